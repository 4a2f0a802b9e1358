package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpStepTest {
    @TempDir
    Path dir;
    EngineHarness h;
    HttpServer server;
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<Map<String, List<String>>> headers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        h = new EngineHarness(dir);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        headers.add(Map.copyOf(ex.getRequestHeaders()));
        byte[] in = ex.getRequestBody().readAllBytes();
        bodies.add(new String(in, StandardCharsets.ISO_8859_1));
        String path = ex.getRequestURI().getPath();
        int status = path.startsWith("/status/") ? Integer.parseInt(path.substring(8)) : 200;
        byte[] out = ("{\"path\": \"" + path + "\", \"received\": " + in.length + "}").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(out);
        }
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void aJsonBodyIsBuiltFromParamsWithoutStringPasting() throws Exception {
        h.env.put("API_TOKEN", "tok-http-canary");
        RunOutcome o = h.run("""
                params:
                  user: {type: string, default: 'alice "the admin"'}
                  perms: {type: list, default: [read, write]}
                secrets:
                  token: env:API_TOKEN
                steps:
                  - id: grant
                    http:
                      url: %s/permissions
                      method: POST
                      headers: {Authorization: "Bearer {{ secrets.token }}"}
                      json: {user_id: "{{ params.user }}", permissions: "{{ params.perms }}"}
                      expect_status: [200, 201]
                    parse: json
                  - id: seen
                    assert: steps.grant.status == 200 && steps.grant.output.path == '/permissions'
                """.formatted(base()));
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(bodies.get(0)).isEqualTo("{\"user_id\":\"alice \\\"the admin\\\"\",\"permissions\":[\"read\",\"write\"]}");
        assertThat(headers.get(0).get("Authorization")).containsExactly("Bearer tok-http-canary");
        assertThat(h.events.toString()).doesNotContain("tok-http-canary").contains("Bearer ****");
    }

    @Test
    void aPortOutOfRangeFromATemplateFailsTheStepSayingSo() throws Exception {
        RunOutcome o = h.run("""
                params:
                  port: {type: int, default: 500000}
                steps:
                  - id: get
                    http: "http://127.0.0.1:{{ params.port }}/"
                    on_failure: continue
                  - id: ws
                    websocket: {url: "ws://127.0.0.1:{{ params.port }}/", timeout: 1s, expect: {any: true}}
                    on_failure: continue
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.finished("get").data()).containsEntry("message", "invalid URL: port 500000 is not 1 to 65535");
        assertThat(h.finished("ws").data().get("message")).asString().endsWith("invalid URL: port 500000 is not 1 to 65535");
    }

    @Test
    void anUnexpectedStatusFailsAndIsAddressableForVerdicts() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: file
                    http: {url: "%s/status/403"}
                    on_failure: continue
                  - id: verdict
                    run: "echo {{ steps.file.status == 403 ? 'forbidden' : steps.file.status == 404 ? 'missing' : 'other' }}"
                """.formatted(base()));
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.finished("file").data()).containsEntry("status", 403).containsEntry("message", "HTTP 403, expected 2xx");
        assertThat(h.output).containsExactly("verdict: forbidden");
    }

    @Test
    void aFileIsUploadedAsMultipartAndThroughputIsMeasured() throws Exception {
        Path file = dir.resolve("payload.bin");
        byte[] data = new byte[3 * 1024 * 1024];
        new java.util.Random(1).nextBytes(data);
        Files.write(file, data);
        RunOutcome o = h.run("""
                steps:
                  - id: upload
                    http:
                      url: %s/api/v1/files/upload
                      method: POST
                      form: {project: demo}
                      files: {file: "%s"}
                      timeout: 30s
                  - id: rate
                    assert: steps.upload.bytes_sent > 3145728 && steps.upload.mb_per_s > 0
                """.formatted(base(), file));
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        String body = bodies.get(0);
        assertThat(headers.get(0).get("Content-type").get(0)).startsWith("multipart/form-data; boundary=runbook-");
        assertThat(body).contains("name=\"project\"\r\n\r\ndemo\r\n").contains("filename=\"payload.bin\"");
        assertThat(body.getBytes(StandardCharsets.ISO_8859_1).length).isGreaterThan(data.length);
    }

    @Test
    void tlsIsVerifiedByDefaultAndACustomCaIsTrustedWhenGiven() throws Exception {
        Path ks = keyPair("srv", "san=ip:127.0.0.1,dns:localhost");
        Path pem = dir.resolve("ca.pem");
        run("keytool", "-exportcert", "-rfc", "-alias", "srv", "-keystore", ks.toString(), "-storepass", "changeit", "-file", pem.toString());
        HttpsServer tls = tlsServer(ks);
        try {
            String url = "https://127.0.0.1:" + tls.getAddress().getPort() + "/health";
            RunOutcome o = h.run("""
                    steps:
                      - id: default-trust
                        http: {url: "%s", timeout: 10s}
                        on_failure: continue
                      - id: custom-ca
                        http: {url: "%s", ca_file: "%s", timeout: 10s}
                    """.formatted(url, url, pem));
            assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
            assertThat(h.outcome("default-trust")).isEqualTo("failed");
            assertThat(h.finished("default-trust").data().get("message")).asString().contains("TLS handshake");
            assertThat(h.outcome("custom-ca")).isEqualTo("ok");
        } finally {
            tls.stop(0);
        }
    }

    /**
     * Without ca_file the JDK's default trust decides (here a trust store given by
     * javax.net.ssl.trustStore, as an operator would), loaded at the first handshake: it trusts what
     * the store holds, and still refuses a trusted certificate made out to another name.
     */
    @Test
    void theDefaultTrustIsLoadedAtTheFirstHandshakeAndStillChecksTheHostName() throws Exception {
        Path right = keyPair("right", "san=ip:127.0.0.1,dns:localhost");
        Path wrong = keyPair("wrong", "san=dns:elsewhere.test");
        Path trust = dir.resolve("trust.p12");
        for (String alias : List.of("right", "wrong")) {
            Path pem = dir.resolve(alias + ".pem");
            run("keytool", "-exportcert", "-rfc", "-alias", alias, "-keystore", dir.resolve(alias + ".p12").toString(),
                    "-storepass", "changeit", "-file", pem.toString());
            run("keytool", "-importcert", "-noprompt", "-alias", alias, "-file", pem.toString(), "-storetype", "PKCS12",
                    "-keystore", trust.toString(), "-storepass", "changeit");
        }
        HttpsServer a = tlsServer(right);
        HttpsServer b = tlsServer(wrong);
        String before = System.getProperty("javax.net.ssl.trustStore");
        String beforePass = System.getProperty("javax.net.ssl.trustStorePassword");
        System.setProperty("javax.net.ssl.trustStore", trust.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        try {
            RunOutcome o = h.run("""
                    steps:
                      - id: plain
                        http: {url: "%s/health", timeout: 10s}
                      - id: trusted
                        http: {url: "https://127.0.0.1:%d/health", timeout: 10s}
                      - id: other-name
                        http: {url: "https://127.0.0.1:%d/health", timeout: 10s}
                        on_failure: continue
                    """.formatted(base(), a.getAddress().getPort(), b.getAddress().getPort()));
            assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
            assertThat(h.outcome("plain")).isEqualTo("ok");
            assertThat(h.outcome("trusted")).isEqualTo("ok");
            assertThat(h.outcome("other-name")).isEqualTo("failed");
            assertThat(h.finished("other-name").data().get("message")).asString().contains("TLS handshake");
        } finally {
            restore("javax.net.ssl.trustStore", before);
            restore("javax.net.ssl.trustStorePassword", beforePass);
            a.stop(0);
            b.stop(0);
        }
    }

    private Path keyPair(String alias, String san) throws Exception {
        Path ks = dir.resolve(alias + ".p12");
        run("keytool", "-genkeypair", "-alias", alias, "-keyalg", "EC", "-dname", "CN=" + alias, "-ext", san,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit");
        return ks;
    }

    private HttpsServer tlsServer(Path keyStore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keyStore.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        HttpsServer tls = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        tls.setHttpsConfigurator(new HttpsConfigurator(ctx));
        tls.createContext("/", this::handle);
        tls.start();
        return tls;
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
