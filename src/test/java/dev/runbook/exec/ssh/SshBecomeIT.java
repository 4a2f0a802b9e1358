package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.OutputListener;
import dev.runbook.model.Target;
import dev.runbook.testing.Sshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * become (sudo) with a password from a secret. A local user logs in over SSH and may sudo only
 * with its password, asked every time; the password must reach sudo and nothing else.
 */
class SshBecomeIT {
    static final String USER = "rbbecome";
    static final Path SUDOERS = Path.of("/etc/sudoers.d/runbook-it-become");
    static final String PASSWORD = "pw-" + UUID.randomUUID();
    static Sshd sshd;
    static TestHome home;
    static CommandRunner asUser;
    static CommandRunner asRoot;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        if (Sshd.run("sh", "-c", "id -u " + USER + " >/dev/null 2>&1 && echo yes || echo no").strip().equals("no")) {
            Sshd.run("useradd", "-m", "-s", "/bin/sh", USER);
        }
        Process chpasswd = new ProcessBuilder("chpasswd").start();
        chpasswd.getOutputStream().write((USER + ":" + PASSWORD + "\n").getBytes());
        chpasswd.getOutputStream().close();
        assertThat(chpasswd.waitFor()).isZero();
        Files.writeString(SUDOERS, USER + " ALL=(ALL:ALL) ALL\nDefaults:" + USER + " lecture=never, timestamp_timeout=0\n");
        Files.setPosixFilePermissions(SUDOERS, java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
        sshd = Sshd.builder().logLevel("DEBUG3").start();
        home = new TestHome(dir).trust(sshd);
        SshConnector connector = home.connector();
        asUser = connector.open(new Target("app", sshd.address(), sshd.port(), USER,
                Map.of("ansible_ssh_private_key_file", sshd.clientKey().toString())));
        asRoot = connector.open(sshd.target("app-root"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (asUser != null) {
            asUser.close();
            asRoot.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        Files.deleteIfExists(SUDOERS);
    }

    private static ExecResult become(CommandRunner r, String line, String user, String password, Map<String, String> env)
            throws Exception {
        Command c = new Command(line, false, null, env, Duration.ofSeconds(30), user, password);
        return r.run(c, OutputListener.NONE, Cancellation.none());
    }

    @Test
    void runsAsRootWithAPasswordThatAppearsNowhere() throws Exception {
        AtomicBoolean seenInPs = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            try {
                for (int i = 0; i < 15; i++) {
                    seenInPs.compareAndSet(false, RemoteProcesses.all().contains(PASSWORD));
                    Thread.sleep(30);
                }
            } catch (Exception e) {
                seenInPs.set(true);
            }
        });
        watcher.start();

        ExecResult r = become(asUser, "id -un; sleep 0.5; ps -eo args", "root", PASSWORD, Map.of());
        watcher.join();

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).startsWith("root\n").doesNotContain(PASSWORD);
        // sudo's prompt and the bootstrap's start line are the handshake's, not the step's output
        assertThat(r.stderr()).doesNotContain(PASSWORD).isEmpty();
        assertThat(seenInPs).isFalse();
        assertThat(sshd.log()).contains("Accepted publickey for " + USER).doesNotContain(PASSWORD);
        assertThat(RemoteCommand.of(new Command("id", false, null, Map.of(), null, "root", PASSWORD)).execLine())
                .doesNotContain(PASSWORD);
    }

    @Test
    void failsWithAWrongPasswordWithoutShowingIt() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();

        ExecResult r = become(asUser, "id -un", "root", wrong, Map.of());

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).doesNotContain(wrong).doesNotContain("[runbook-sudo-");
        // one wrong password is one failed attempt (pam_faillock counts them): sudo then read end of
        // file, never the lines after the password (the secret env) as further attempts
        assertThat(r.stderr()).contains("sudo: 1 incorrect password attempt")
                .contains("did not accept the become password");
    }

    @Test
    void aWrongPasswordNeverHandsTheStepsSecretEnvToSudo() throws Exception {
        ExecResult r = become(asUser, "id -un", "root", "wrong-" + UUID.randomUUID(), Map.of("API_TOKEN", "tok-" + UUID.randomUUID()));

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("sudo: 1 incorrect password attempt").doesNotContain("3 incorrect");
    }

    @Test
    void failsAtOnceWhenSudoWantsAPasswordAndNoneWasGiven() throws Exception {
        ExecResult r = become(asUser, "id -un", "root", null, Map.of());

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("a password is required");
        assertThat(r.durationMs()).isLessThan(3000);
    }

    @Test
    void neverRunsAPasswordThatSudoDidNotAskFor() throws Exception {
        String trap = "echo PWNED-" + UUID.randomUUID();

        ExecResult r = become(asRoot, "id -un", USER, trap, Map.of());

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo(USER + "\n");
        assertThat(r.stderr()).doesNotContain("PWNED");
    }

    @Test
    void passesSecretEnvToTheBecomeUser() throws Exception {
        ExecResult r = become(asUser, "id -un; echo ${#API_TOKEN}", "root", PASSWORD, Map.of("API_TOKEN", "abcdef"));

        assertThat(r.stdout()).isEqualTo("root\n6\n");
    }

    @Test
    void runsAScriptAsAnUnprivilegedBecomeUser() throws Exception {
        Command c = new Command("id -un\nhead -c 3 \"$0\"\n", true, null, Map.of(), Duration.ofSeconds(30), USER, null);

        ExecResult r = asRoot.run(c, OutputListener.NONE, Cancellation.none());

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo(USER + "\nid ");
    }

    @Test
    void timeoutKillsACommandRunningAsRootUnderSudo() throws Exception {
        String sleep = "sleep 65." + (System.nanoTime() % 100000);
        Command c = new Command(sleep + "; echo done", false, null, Map.of(), Duration.ofSeconds(1), "root", PASSWORD);

        ExecResult r = asUser.run(c, OutputListener.NONE, Cancellation.none());

        assertThat(r.timedOut()).isTrue();
        assertThat(RemoteProcesses.awaitNone(sleep, 1000)).isEmpty();
    }
}
