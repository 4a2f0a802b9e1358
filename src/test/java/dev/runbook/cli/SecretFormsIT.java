package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.runbook.expr.Functions;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import dev.runbook.testing.WsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets whose text the engine changes on the way out: percent-encoded in a URL, JSON-escaped in
 * a body or a WebSocket message, near the 200th character of a body that is shown cut, made into a
 * loop item or a called runbook's param together with other text. The servers receive the real
 * values; the console, the audit trail and the plans show {@code ****} and no form of them.
 */
class SecretFormsIT {
    private static final String ID = UUID.randomUUID().toString().substring(0, 8);
    /** Changed by percent-encoding. */
    static final String TOKEN = "Tok/" + ID + "+9@kx";
    /** Changed by JSON escaping. */
    static final String PASSWORD = "pa\"ss\\w0rd-" + ID;
    static final String RUNBOOK = """
            name: secret-forms
            params:
              url: {type: string}
              ws: {type: string}
            secrets:
              token: env:API_TOKEN
              dbpw: env:DB_PW
            steps:
              - id: url-secret
                http: "{{ params.url }}/api?token={{ secrets.token }}"
              - id: json-secret
                http: {url: "{{ params.url }}/login", method: POST, json: {user: admin, password: "{{ secrets.dbpw }}", auth: "Basic {{ secrets.dbpw }}"}}
              - id: body-cut
                http: {url: "{{ params.url }}/form", method: POST, body: "%s&token={{ secrets.token }}"}
              - id: ws
                websocket: {url: "{{ params.ws }}?token={{ secrets.token }}", send: [{password: "x{{ secrets.dbpw }}"}], expect: {any: true}, timeout: 5s}
              - id: items
                run: "test {{ item }} = \\"t=$API_TOKEN\\" && tr '\\\\0' ' ' < /proc/$$/cmdline >> {{ runbook.dir }}/cmdlines"
                loop: ["t={{ secrets.token }}"]
              - id: call
                runbook: ./callee.yaml
                params: {value: "p={{ secrets.dbpw }}", same: "{{ secrets.token }}", url: "{{ params.url }}"}
            """.formatted("x".repeat(186));
    static final String CALLEE = """
            name: callee
            params:
              value: {type: string}
              same: {type: string}
              url: {type: string}
            steps:
              - id: use
                run: "test {{ params.value }} = \\"p=$DB_PW\\" && test {{ params.same }} = \\"$API_TOKEN\\" && tr '\\\\0' ' ' < /proc/$$/cmdline >> {{ runbook.dir }}/cmdlines"
              - id: fetch
                http: "{{ params.url }}/api?v={{ params.value }}&s={{ params.same }}"
            """;

    @TempDir
    static Path home;

    static HttpServer server;
    static WsServer ws;
    static final List<String> received = new CopyOnWriteArrayList<>();
    static final Map<String, Cli.Result> results = new LinkedHashMap<>();

    @BeforeAll
    static void runAndPlan() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", SecretFormsIT::record);
        server.start();
        ws = new WsServer(WsServer.heartbeat(1000), 0);
        Files.writeString(home.resolve("forms.yaml"), RUNBOOK);
        Files.writeString(home.resolve("callee.yaml"), CALLEE);
        Cli cli = Cli.in(home).withEnv("API_TOKEN", TOKEN).withEnv("DB_PW", PASSWORD);
        String[] params = {"-p", "url=http://127.0.0.1:" + server.getAddress().getPort(), "-p", "ws=" + ws.url("/ws")};
        results.put("run", cli.run(args("run", params, "--no-color")));
        results.put("run --output json", cli.run(args("run", params, "--output", "json")));
        for (String format : List.of("text", "markdown", "json")) {
            results.put("plan --format " + format, cli.run(args("plan", params, "--format", format)));
        }
        results.put("show last", cli.run("show", "last", "--no-color"));
    }

    private static String[] args(String command, String[] params, String... more) {
        return Stream.of(Stream.of(command, "forms.yaml"), Stream.of(params), Stream.of(more)).flatMap(s -> s).toArray(String[]::new);
    }

    private static void record(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(ex.getRequestMethod() + " " + URLDecoder.decode(ex.getRequestURI().getRawQuery() == null ? ""
                : ex.getRequestURI().getRawQuery(), StandardCharsets.UTF_8) + " " + body);
        ex.sendResponseHeaders(200, -1);
        ex.close();
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop(0);
        ws.close();
    }

    @Test
    void theServersReceiveTheRealValues() {
        assertThat(results.get("run").exitCode()).as(results.get("run").toString()).isZero();
        assertThat(received).contains("GET token=" + TOKEN + " ")
                .contains("POST  {\"user\":\"admin\",\"password\":" + json(PASSWORD) + ",\"auth\":" + json("Basic " + PASSWORD) + "}")
                .contains("POST  " + "x".repeat(186) + "&token=" + TOKEN)
                .contains("GET v=p=" + PASSWORD + "&s=" + TOKEN + " ");
        assertThat(ws.requests.get(0).get(":request")).contains("token=" + Functions.urlencode(TOKEN));
        assertThat(Processes.eventually(Duration.ofSeconds(5), () -> ws.received.contains("{\"password\":" + json("x" + PASSWORD) + "}")))
                .as("the WebSocket message, in %s", ws.received).isTrue();
    }

    @Test
    void whatIsShownHasTheMaskWhereEachSecretWas() {
        String run = results.get("run").stdout();
        assertThat(run).contains("url-secret: started: GET http://127.0.0.1:" + server.getAddress().getPort() + "/api?token=****")
                .contains("body={\"user\":\"admin\",\"password\":\"****\",\"auth\":\"****\"}")
                .contains("x".repeat(100) + "&token=****")
                .contains("/ws?token=**** send [{\"password\":\"****\"}]")
                .contains("/api?v=****&s=****");
        for (String format : List.of("text", "markdown", "json")) {
            Cli.Result plan = results.get("plan --format " + format);
            assertThat(plan.exitCode()).as(format + "\n" + plan).isZero();
            // outside code, Markdown shows the mask escaped (\*\*\*\*), which renders as ****
            String item = format.equals("markdown") ? "item: \\*\\*\\*\\*" : "item: ****";
            assertThat(plan.stdout()).as(format).contains("/api?token=****").contains("&token=****").contains(item)
                    .contains("/api?v=****&s=****");
        }
    }

    @Test
    void noFormOfEitherSecretIsShownOrAudited() throws IOException {
        Map<String, String> seen = new LinkedHashMap<>();
        results.forEach((what, r) -> seen.put(what, r.stdout() + r.stderr()));
        seen.put("audit trail", Files.readString(home.resolve("state/audit.jsonl")));
        assertThat(AuditLog.ofType(home.resolve("state/audit.jsonl"), "step.started")).hasSizeGreaterThan(6);
        seen.forEach((what, text) -> {
            for (String secret : List.of(TOKEN, PASSWORD)) {
                assertThat(text).as(what).doesNotContain(secret).doesNotContain(Functions.urlencode(secret))
                        .doesNotContain(json(secret).substring(1, json(secret).length() - 1))
                        .doesNotContain(secret.substring(0, 5)).doesNotContain(ID);
            }
        });
    }

    @Test
    void aLoopItemOrParamMadeFromASecretIsNotOnACommandLine() throws IOException {
        String cmdlines = Files.readString(home.resolve("cmdlines"));
        assertThat(cmdlines).as("what ps showed of the steps' shells").contains("RUNBOOK_").doesNotContain(ID);
    }

    private static String json(String s) {
        return Functions.to_json(s);
    }
}
