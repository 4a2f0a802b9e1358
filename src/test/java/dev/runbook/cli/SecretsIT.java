package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret with a unique value (the canary) is used every way a runbook uses one: echoed by a
 * step, spliced into a command, sent in an HTTP header and query, named in a failing step's error,
 * in a gate's prompt. It does its job, and its value appears in no output, plan, history or file.
 */
class SecretsIT {
    private static final String CANARY = "canary-" + UUID.randomUUID();

    @TempDir
    Path home;

    Cli cli;
    HttpServer server;
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        cli = Cli.in(home).withEnv("CANARY", CANARY);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/echo", ex -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            respond(ex, 200, "you sent " + ex.getRequestHeaders().getFirst("Authorization"));
        });
        server.createContext("/fail", ex -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            respond(ex, 500, "refused " + ex.getRequestURI() + " with " + ex.getRequestHeaders().getFirst("Authorization"));
        });
        server.start();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
    }

    private String[] args(String... more) {
        String url = "url=http://127.0.0.1:" + server.getAddress().getPort();
        return Stream.concat(Stream.of(e2e("secret.yaml"), "-p", url, "-p", "dir=" + home), Stream.of(more)).toArray(String[]::new);
    }

    private String[] cmd(String command, String... more) {
        return Stream.concat(Stream.of(command), Stream.of(args(more))).toArray(String[]::new);
    }

    @Test
    void aRunUsesTheSecretButNeverShowsIt() {
        Cli.Result r = cli.run(cmd("run", "--yes"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("used")).as("the command that compares the secret succeeded").exists();
        assertThat(authorizations).as("headers the server received").contains("Bearer " + CANARY);
        assertThat(r.stdout()).doesNotContain(CANARY).contains("token is ****").contains("env has ****")
                .contains("rejected credential ****");
        assertThat(r.stderr()).doesNotContain(CANARY);
    }

    @Test
    void jsonOutputNeverShowsTheSecret() {
        Cli.Result r = cli.run(cmd("run", "--yes", "--output", "json"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(authorizations).contains("Bearer " + CANARY);
        assertThat(r.stdout()).doesNotContain(CANARY).contains("****");
        assertThat(r.stderr()).doesNotContain(CANARY);
    }

    @Test
    void aPlanInEveryFormatNeverShowsTheSecret() {
        for (String format : List.of("text", "markdown", "json")) {
            Cli.Result r = cli.run(cmd("plan", "--format", format));

            assertThat(r.exitCode()).as(format + "\n" + r).isZero();
            assertThat(r.stdout()).as(format).doesNotContain(CANARY).contains("****");
            assertThat(r.stderr()).as(format).doesNotContain(CANARY);
        }
        Cli.Result dry = cli.run(cmd("run", "--dry-run"));
        assertThat(dry.output()).doesNotContain(CANARY);
        assertThat(authorizations).as("a plan calls no API").isEmpty();
    }

    @Test
    void aGatePromptOnATerminalShowsTheSecretMasked() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal(cmd("run"))) {
            run.awaitOutput("Rotate ****? [y/N]").type("n\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.output()).doesNotContain(CANARY).contains("token is ****");
        assertThat(authorizations).contains("Bearer " + CANARY);
    }

    @Test
    void historyShowAndTheStateDirectoryNeverHoldTheSecret() throws IOException {
        assertThat(cli.run(cmd("run", "--yes")).exitCode()).isZero();
        assertThat(cli.run(cmd("run")).exitCode()).as("stopped at the gate").isEqualTo(3);

        Cli.Result show = cli.run("show", "last");
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.output()).doesNotContain(CANARY).contains("****");
        assertThat(cli.run("history").output()).doesNotContain(CANARY);
        assertThat(Files.readString(cli.auditFile())).doesNotContain(CANARY).contains("****");
        assertThat(AuditLog.events(cli.auditFile())).isNotEmpty();
        try (Stream<Path> files = Files.walk(cli.state())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(CANARY);
            }
        }
    }

    @Test
    void theAuditFileIsPrivateAndTheStateDirectoryToo() throws IOException {
        assertThat(cli.run(cmd("run", "--yes")).exitCode()).isZero();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.state()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.auditFile()))).isEqualTo("rw-------");
        try (Stream<Path> all = Files.walk(cli.state())) {
            for (Path d : all.filter(Files::isDirectory).toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).as(d.toString()).isEqualTo("rwx------");
            }
        }
    }
}
