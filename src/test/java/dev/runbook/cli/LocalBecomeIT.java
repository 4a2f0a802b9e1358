package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local step's {@code become} password reaches sudo and nothing else, whether sudo asks for it
 * or not: the command's stdin is empty, and the password is in no output, audit event, file of the
 * state directory or command line. Two throwaway users run the CLI: one whose sudo asks for its
 * password every time, one with NOPASSWD; root, whom sudo never asks, is the third.
 */
class LocalBecomeIT {
    static final String ASKED = "rblbasked";
    static final String NOPASSWD = "rblbnopw";
    static final Path SUDOERS = Path.of("/etc/sudoers.d/runbook-it-local-become");
    static final String PASSWORD = "pw-" + UUID.randomUUID() + "-'\"$x";
    static final String RUNBOOK = """
            name: local-become
            secrets:
              sudo_pw: env:SUDO_PW
            steps:
              - id: as-other
                run: "echo stdin-bytes=$(wc -c); id -un; env"
                become: {user: %s, password: sudo_pw}
            """;

    @TempDir
    static Path root;

    @BeforeAll
    static void users() throws IOException {
        for (String u : List.of(ASKED, NOPASSWD)) {
            Processes.exec(List.of("userdel", u));
            assertThat(Processes.exec(List.of("useradd", "-M", "-s", "/bin/sh", u)).exitCode()).isZero();
        }
        Process chpasswd = new ProcessBuilder("chpasswd").start();
        chpasswd.getOutputStream().write((ASKED + ":" + PASSWORD + "\n").getBytes(StandardCharsets.UTF_8));
        chpasswd.getOutputStream().close();
        try {
            assertThat(chpasswd.waitFor()).isZero();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Files.writeString(SUDOERS, ASKED + " ALL=(ALL:ALL) ALL\n" + NOPASSWD + " ALL=(ALL:ALL) NOPASSWD: ALL\n"
                + "Defaults:" + ASKED + " lecture=never, timestamp_timeout=0\n");
        Files.setPosixFilePermissions(SUDOERS, PosixFilePermissions.fromString("r--r-----"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void removeUsers() throws IOException {
        Files.deleteIfExists(SUDOERS);
        for (String u : List.of(ASKED, NOPASSWD)) {
            Processes.exec(List.of("userdel", u));
        }
    }

    @Test
    void sudoThatAsksGetsThePasswordAndTheCommandReadsNothing() throws Exception {
        Cli cli = home(ASKED, "root", PASSWORD);

        Cli.Result r = runWatchingPs(cli, PASSWORD);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("as-other │ stdin-bytes=0").contains("as-other │ root");
        assertNowhere(cli, r, PASSWORD);
    }

    @Test
    void sudoThatDoesNotAskBecauseOfNopasswdNeverPassesThePasswordOn() throws Exception {
        Cli cli = home(NOPASSWD, "root", PASSWORD);

        Cli.Result r = runWatchingPs(cli, PASSWORD);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("as-other │ stdin-bytes=0").contains("as-other │ root");
        assertNowhere(cli, r, PASSWORD);
    }

    @Test
    void sudoThatDoesNotAskRootNeverPassesThePasswordOn() throws Exception {
        Cli cli = home(null, NOPASSWD, PASSWORD);

        Cli.Result r = runWatchingPs(cli, PASSWORD);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("as-other │ stdin-bytes=0").contains("as-other │ " + NOPASSWD);
        assertNowhere(cli, r, PASSWORD);
    }

    @Test
    void aWrongPasswordFailsAfterOneTryWithoutShowingIt() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();
        Cli cli = home(ASKED, "root", wrong);

        Cli.Result r = runWatchingPs(cli, wrong);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).as("one try, not three").contains("sudo: 1 incorrect password attempt").doesNotContain("│ stdin-bytes");
        assertNowhere(cli, r, wrong);
    }

    @Test
    void aBecomeUserGetsTheStepsEnvironmentAndItsScriptWithNothingOnACommandLine() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        Cli cli = home(null, NOPASSWD, PASSWORD).withEnv("API_TOKEN", token);
        Files.writeString(cli.workDir().resolve("rb.yaml"), """
                name: local-become-script
                params:
                  greeting: {type: string, default: 'it''s "quoted" $HOME'}
                secrets:
                  token: env:API_TOKEN
                steps:
                  - id: as-other
                    become: {user: %s}
                    shell: bash
                    script: |
                      set -eu
                      printf 'user=%%s stdin=%%s\\n' "$(id -un)" "$(wc -c)"
                      printf 'greeting=<%%s>\\n' {{ params.greeting }}
                      [ "${#BASH_VERSION}" -gt 0 ] && echo shell=bash
                      printf 'token-sha256=%%s\\n' "$(printf %%s {{ secrets.token }} | sha256sum | cut -c1-64)"
                      cat <<'EOF'
                      a here-document in the script
                      EOF
                  - id: status
                    become: {user: %s}
                    run: echo "as $(id -un)"; exit 3
                    on_failure: continue
                """.formatted(NOPASSWD, NOPASSWD));
        Cli.Result r = runWatchingPs(cli, token);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("as-other │ user=" + NOPASSWD + " stdin=0")
                .contains("as-other │ greeting=<it's \"quoted\" $HOME>")
                .contains("as-other │ shell=bash")
                .contains("as-other │ token-sha256=" + java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8))))
                .contains("as-other │ a here-document in the script")
                .contains("status │ as " + NOPASSWD)
                .containsPattern("✗ status +failed.*exit code 3");
        assertNowhere(cli, r, token);
    }

    @Test
    void withoutAPasswordSudoThatWantsOneFailsAtOnce() throws Exception {
        Cli cli = home(ASKED, "root", PASSWORD);
        Files.writeString(cli.workDir().resolve("rb.yaml"), RUNBOOK.formatted("root").replace(", password: sudo_pw", ""));

        Cli.Result r = cli.run("run", "rb.yaml", "--no-color");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("a password is required");
    }

    /** A home for {@code user} (null: root) with the runbook becoming {@code becomeUser}, and the CLI that runs it there. */
    private static Cli home(String user, String becomeUser, String password) throws IOException {
        Path home = Files.createTempDirectory(root, "home-");
        Files.writeString(home.resolve("rb.yaml"), RUNBOOK.formatted(becomeUser));
        Cli cli = Cli.in(home).withEnv("SUDO_PW", password).withEnv("HOME", home.toString());
        if (user == null) {
            return cli;
        }
        Processes.exec(List.of("chown", "-R", user, home.toString()));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        return cli.asUser(user);
    }

    /** Runs rb.yaml while watching every process's command line for {@code password}, which must never be there. */
    private static Cli.Result runWatchingPs(Cli cli, String password) throws InterruptedException {
        AtomicBoolean done = new AtomicBoolean();
        AtomicBoolean seen = new AtomicBoolean();
        AtomicInteger looks = new AtomicInteger();
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                seen.compareAndSet(false, Processes.exec(List.of("ps", "-eo", "args")).stdout().contains(password));
                looks.incrementAndGet();
            }
        });
        watcher.start();
        Cli.Result r;
        try {
            r = cli.run("run", "rb.yaml", "--no-color");
        } finally {
            done.set(true);
            watcher.join();
        }
        assertThat(looks.get()).as("ps ran while the step did").isGreaterThan(2);
        assertThat(seen).as("the password on a command line").isFalse();
        return r;
    }

    private static void assertNowhere(Cli cli, Cli.Result r, String password) throws IOException {
        assertThat(r.stdout()).doesNotContain(password);
        assertThat(r.stderr()).doesNotContain(password);
        assertThat(Files.readString(cli.auditFile())).contains("\"step.finished\"").doesNotContain(password);
        try (Stream<Path> files = Files.walk(cli.state())) {
            for (Path f : files.toList()) {
                assertThat(f.getFileName().toString()).as("left behind").doesNotStartWith("become-");
                if (Files.isRegularFile(f)) {
                    assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(password);
                }
            }
        }
    }
}
