package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * A secret with a unique value (the canary) is used every way a runbook uses one: echoed by a
 * step, spliced into a command, sent in an HTTP header and query, named in a failing step's error,
 * in a gate's prompt. It does its job, and its value appears in no output, plan, history or file.
 * A secret param's default (e2e/secret-default.yaml) is kept as hidden as a value given with -p.
 * The runs are made once; each test checks one place the canary could surface.
 */
class SecretsIT {
    private static final String CANARY = "canary-" + UUID.randomUUID();
    private static final String PIN = "pin-" + UUID.randomUUID();
    /** The default of the secret param of e2e/secret-default.yaml. */
    private static final String DEFAULT_PIN = "default-pin-4f1d8c2b9e";

    @TempDir
    static Path home;

    static Cli cli;
    static HttpServer server;
    static final List<String> authorizations = new CopyOnWriteArrayList<>();
    static final Map<String, Cli.Result> results = new LinkedHashMap<>();
    static int authorizationsBeforePlans;

    @BeforeAll
    static void runEveryWay() throws IOException {
        cli = Cli.in(home).withEnv("CANARY", CANARY).withEnv("CANARY_PIN", PIN).withEnv("DEFAULT_PIN", DEFAULT_PIN);
        Files.createDirectories(home.resolve("runbooks"));
        Files.copy(Path.of(e2e("secret-default.yaml")), home.resolve("runbooks/secret-default.yaml"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/echo", ex -> respond(ex, 200, "you sent " + ex.getRequestHeaders().getFirst("Authorization")));
        server.createContext("/fail", ex -> respond(ex, 500, "refused " + ex.getRequestURI() + " with "
                + ex.getRequestHeaders().getFirst("Authorization")));
        server.start();

        results.put("run", cli.run(cmd("run", "--yes")));
        results.put("run --output json", cli.run(cmd("run", "--yes", "--output", "json")));
        try (Cli.Running run = cli.startOnTerminal(cmd("run"))) {
            run.awaitOutput("Rotate ****? [y/N]").type("n\n");
            results.put("run on a terminal", run.await());
        }
        authorizationsBeforePlans = authorizations.size();
        for (String format : List.of("text", "markdown", "json")) {
            results.put("plan --format " + format, cli.run(cmd("plan", "--format", format)));
        }
        results.put("run --dry-run", cli.run(cmd("run", "--dry-run")));
        String dir = "dir=" + home;
        results.put("run with the default pin", cli.run("run", "secret-default", "-p", dir));
        results.put("run with the default pin --output json", cli.run("run", "secret-default", "-p", dir, "--output", "json"));
        for (String format : List.of("text", "json")) {
            results.put("plan --probe with the default pin --format " + format,
                    cli.run("plan", "secret-default", "-p", dir, "--probe", "--format", format));
        }
        results.put("list", cli.run("list"));
        results.put("history", cli.run("history"));
        results.put("show last", cli.run("show", "last"));
        results.put("audit verify", cli.run("audit", "verify"));
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @AfterAll
    static void stopServer() {
        server.stop(0);
    }

    private static String[] cmd(String command, String... more) {
        String url = "url=http://127.0.0.1:" + server.getAddress().getPort();
        return Stream.of(Stream.of(command, e2e("secret.yaml"), "-p", url, "-p", "dir=" + home, "-p", "pin=" + PIN), Stream.of(more))
                .flatMap(s -> s).toArray(String[]::new);
    }

    @Test
    void aDatabasePasswordShorterThanFourCharactersGetsTheSameNoticeAsAShortSecret(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("inv.yaml"), """
                all:
                  hosts:
                    localhost:
                      ansible_connection: local
                      runbook_databases:
                        main: {url: "jdbc:postgresql://127.0.0.1:1/x", user: u, password: "env:DB_PW", connect_timeout: 1s}
                """);
        Files.writeString(dir.resolve("short.yaml"), """
                secrets:
                  token: env:SHORT_TOKEN
                steps:
                  - id: q
                    sql: select 1
                    database: main
                """);
        Cli short3 = Cli.in(dir).withEnv("DB_PW", "abc").withEnv("SHORT_TOKEN", "xy");

        Cli.Result r = short3.run("run", "short.yaml", "-i", "inv.yaml");
        Cli.Result four = short3.withEnv("DB_PW", "abcd").withEnv("SHORT_TOKEN", "wxyz").run("run", "short.yaml", "-i", "inv.yaml");

        assertThat(r.stdout().lines().limit(2)).as(r.toString()).containsExactly(
                "! secret 'token' is shorter than 4 characters: masking it hides every occurrence of those characters in output",
                "! the password of database 'main' is shorter than 4 characters: masking it hides every occurrence of those"
                        + " characters in the database's messages");
        assertThat(four.stdout()).as(four.toString()).doesNotContain("shorter than 4 characters");
    }

    @Test
    void theSecretDidItsJob() {
        assertThat(results.get("run").exitCode()).as(results.get("run").toString()).isZero();
        assertThat(results.get("run --output json").exitCode()).isZero();
        assertThat(results.get("run on a terminal").exitCode()).as("denied at the gate").isEqualTo(3);
        assertThat(home.resolve("used")).as("the command that compares the secret succeeded").exists();
        assertThat(authorizations).as("headers the server received").contains("Bearer " + CANARY);
        assertThat(authorizations).as("a plan calls no API").hasSize(authorizationsBeforePlans);
    }

    @Test
    void noOutputOfAnyCommandShowsTheSecret() {
        results.forEach((command, r) -> {
            assertThat(r.stdout()).as(command + " stdout").doesNotContain(CANARY).doesNotContain(PIN).doesNotContain(PIN.toUpperCase())
                    .doesNotContain(DEFAULT_PIN).doesNotContain(DEFAULT_PIN.toUpperCase());
            assertThat(r.stderr()).as(command + " stderr").doesNotContain(CANARY).doesNotContain(PIN).doesNotContain(PIN.toUpperCase())
                    .doesNotContain(DEFAULT_PIN).doesNotContain(DEFAULT_PIN.toUpperCase());
        });
    }

    @Test
    void aSecretParamSplicedIntoACommandIsNotOnTheCommandLineOfItsProcess() throws IOException {
        String commandLine = Files.readString(home.resolve("pin-cmdline"));
        assertThat(commandLine).as("what ps shows of the step's shell").doesNotContain(PIN).contains("\"${RUNBOOK_PARAM_PIN}\"");
        assertThat(results.get("run").stdout()).contains("pin is ****, ****");
    }

    @Test
    void aSecretParamsDefaultIsMaskedAsAValueGivenWithPIs() throws IOException {
        Cli.Result run = results.get("run with the default pin");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("default pin is ****, ****").contains("probed pin ****");
        assertThat(results.get("run with the default pin --output json").stdout()).contains("default pin is ****, ****");
        assertThat(Files.readString(home.resolve("default-pin-cmdline"))).as("what ps shows of the step's shell")
                .doesNotContain(DEFAULT_PIN).contains("\"${RUNBOOK_PARAM_PIN}\"");
        for (String format : List.of("text", "json")) {
            Cli.Result plan = results.get("plan --probe with the default pin --format " + format);
            assertThat(plan.exitCode()).as(format + "\n" + plan).isZero();
            assertThat(plan.stdout()).as(format).contains("probed pin ****");
        }
        assertThat(results.get("plan --probe with the default pin --format text").stdout()).contains("pin=****");
        assertThat(results.get("list").stdout()).contains("-p pin=<string> (default ****)");
    }

    @Test
    void theSecretIsShownMaskedWhereItWasUsed() {
        assertThat(results.get("run").stdout()).contains("token is ****").contains("env has ****")
                .contains("rejected credential ****").contains("done with ****");
        assertThat(results.get("run --output json").stdout()).contains("token is ****");
        assertThat(results.get("run on a terminal").output()).contains("Rotate ****? [y/N]");
        for (String format : List.of("text", "markdown", "json")) {
            Cli.Result plan = results.get("plan --format " + format);
            assertThat(plan.exitCode()).as(format + "\n" + plan).isZero();
            // markdown escapes the mask's asterisks, which would otherwise open emphasis: it renders as ****
            assertThat(plan.stdout()).as(format).contains(format.equals("markdown") ? "Rotate \\*\\*\\*\\*?" : "Rotate ****?");
        }
        assertThat(results.get("show last").stdout()).contains("****");
    }

    @Test
    void noFileOfTheStateDirectoryHoldsTheSecret() throws IOException {
        assertThat(results.get("audit verify").exitCode()).isZero();
        assertThat(AuditLog.events(cli.auditFile())).isNotEmpty();
        assertThat(Files.readString(cli.auditFile())).contains("****");
        try (Stream<Path> files = Files.walk(cli.state())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(CANARY)
                        .doesNotContain(PIN).doesNotContain(DEFAULT_PIN);
            }
        }
    }

    @Test
    void theAuditFileIsPrivateAndSoIsEveryStateDirectory() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.auditFile()))).isEqualTo("rw-------");
        try (Stream<Path> all = Files.walk(cli.state())) {
            for (Path d : all.filter(Files::isDirectory).toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).as(d.toString()).isEqualTo("rwx------");
            }
        }
    }
}
