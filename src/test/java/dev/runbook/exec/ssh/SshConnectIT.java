package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Target;
import dev.runbook.testing.FrozenLink;
import dev.runbook.testing.SshAgent;
import dev.runbook.testing.Sshd;
import dev.runbook.testing.UnansweredPort;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SshConnectIT {
    static Sshd sshd;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        sshd = Sshd.start();
    }

    @AfterAll
    static void stop() {
        sshd.close();
    }

    private static String echo(CommandRunner r) throws Exception {
        try (r) {
            return r.run(Command.run("echo ok", Duration.ofSeconds(10)), OutputListener.NONE, Cancellation.none()).stdout();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "ecdsa", "rsa"})
    void logsInWithAKeyFileOfEachType(String type) throws Exception {
        Path key = sshd.clientKey(type);
        TestHome home = new TestHome(dir).trust(sshd);

        Target t = sshd.target("web1", Map.of("ansible_ssh_private_key_file", key.toString()));

        assertThat(echo(home.connector().open(t))).isEqualTo("ok\n");
    }

    @Test
    void logsInWithAnRsaKeyWhenTheServerAcceptsOnlySha2Signatures() throws Exception {
        try (Sshd strict = Sshd.builder().config("PubkeyAcceptedAlgorithms rsa-sha2-512,rsa-sha2-256").start()) {
            Path key = strict.clientKey("rsa");
            TestHome home = new TestHome(dir).trust(strict);

            Target t = strict.target("web1", Map.of("ansible_ssh_private_key_file", key.toString()));

            assertThat(echo(home.connector().open(t))).isEqualTo("ok\n");
        }
    }

    @Test
    void triesTheDefaultKeysInTheHomeDirectory() throws Exception {
        TestHome home = new TestHome(dir).trust(sshd);
        java.nio.file.Files.copy(sshd.clientKey(), home.ssh().resolve("id_ed25519"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);

        Target t = new Target("web1", sshd.address(), sshd.port(), "root", Map.of());

        assertThat(echo(home.connector().open(t))).isEqualTo("ok\n");
    }

    @Test
    void reportsAWrongClientKeyAsAnAuthenticationFailureNamingTheKey() throws Exception {
        Path stranger = dir.resolve("stranger");
        Sshd.keygen("ed25519", stranger, "", "stranger");
        TestHome home = new TestHome(dir).trust(sshd);

        Target t = sshd.target("web1", Map.of("ansible_ssh_private_key_file", stranger.toString()));

        assertThatThrownBy(() -> home.connector().open(t))
                .isInstanceOf(UnreachableException.class)
                .hasMessage("authentication failed for root@127.0.0.1:" + sshd.port() + " (offered " + stranger + ")");
    }

    @Test
    void ignoresAPrivateKeyOthersCanReadAsSshDoesAndSaysHowToFixIt() throws Exception {
        Path key = dir.resolve("shared_key");
        java.nio.file.Files.copy(sshd.clientKey(), key);
        java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        TestHome home = new TestHome(dir).trust(sshd);
        Target t = sshd.target("web1", Map.of("ansible_ssh_private_key_file", key.toString()));

        assertThatThrownBy(() -> home.connector().open(t))
                .isInstanceOf(UnreachableException.class)
                .hasMessageContaining("skipped " + key + ": permissions 0644 are too open: a private key others can read is"
                        + " ignored, as ssh ignores it (chmod 600 " + key + ")");
        // OpenSSH's own client refuses it the same way
        assertThatThrownBy(() -> Sshd.run("ssh", "-F", "/dev/null", "-i", key.toString(), "-o", "BatchMode=yes", "-o",
                "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=" + home.knownHosts(), "-p", String.valueOf(sshd.port()),
                "root@" + sshd.address(), "true"))
                .hasMessageContaining("UNPROTECTED PRIVATE KEY FILE").hasMessageContaining("Permission denied");

        java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(echo(home.connector().open(t))).isEqualTo("ok\n");
    }

    @Test
    void aKeyPathThatIsADirectoryIsSaidToBeOne() throws Exception {
        Path notAKey = java.nio.file.Files.createDirectories(dir.resolve("keys"));
        TestHome home = new TestHome(dir).trust(sshd);

        assertThatThrownBy(() -> home.connector().open(sshd.target("web1", Map.of("ansible_ssh_private_key_file", notAKey.toString()))))
                .isInstanceOf(UnreachableException.class)
                .hasMessageContaining("skipped " + notAKey + ": not a regular file (a directory)");
    }

    @Test
    void decryptsAKeyWithThePassphraseGivenForItsPath() throws Exception {
        Path key = dir.resolve("locked");
        Sshd.keygen("ed25519", key, "open sesame", "locked");
        sshd.authorize(key);
        TestHome home = new TestHome(dir).trust(sshd);
        Target t = sshd.target("web1", Map.of("ansible_ssh_private_key_file", key.toString()));

        SshConnector withPassphrase = new SshConnector(home.settings().withKeyPassphrases(Map.of(key.toString(), "open sesame")));

        assertThat(echo(withPassphrase.open(t))).isEqualTo("ok\n");
        assertThatThrownBy(() -> home.connector().open(t))
                .hasMessageContaining("skipped " + key + ": encrypted, and no passphrase was given for it");
    }

    @Test
    void logsInWithAKeyHeldByTheSshAgent() throws Exception {
        try (SshAgent agent = SshAgent.start(dir.resolve("agent.sock"))) {
            agent.add(sshd.clientKey("ecdsa"));
            TestHome home = new TestHome(dir).trust(sshd);

            SshConnector viaAgent = new SshConnector(home.settings().withAgent(agent.socket()));

            assertThat(echo(viaAgent.open(new Target("web1", sshd.address(), sshd.port(), "root", Map.of()))))
                    .isEqualTo("ok\n");
        }
    }

    @Test
    void followsSshConfigForHostNamePortUserAndIdentityFile() throws Exception {
        TestHome home = new TestHome(dir).trust(sshd).config("""
                Host db-*
                  HostName %h.invalid
                Host web1
                  HostName 127.0.0.1
                  Port PORT
                  User root
                  IdentityFile KEY
                  ServerAliveInterval 2
                """.replace("PORT", String.valueOf(sshd.port())).replace("KEY", sshd.clientKey().toString()));

        assertThat(echo(home.connector().open(new Target("web1", "web1", 0, null, Map.of())))).isEqualTo("ok\n");
        assertThatThrownBy(() -> home.connector().open(new Target("db-1", "db-1", 0, null, Map.of())))
                .hasMessage("cannot resolve host name db-1.invalid");
    }

    @Test
    void reportsARefusedConnection() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        TestHome home = new TestHome(dir);

        assertThatThrownBy(() -> home.connector().open(new Target("gone", "127.0.0.1", port, "root", Map.of())))
                .isInstanceOf(UnreachableException.class)
                .hasMessage("connection to 127.0.0.1:" + port + " refused");
    }

    @Test
    void givesUpOnAHostThatAcceptsTcpButNeverSpeaksSshWithinTheConnectTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
            TestHome home = new TestHome(dir);
            Target t = new Target("mute", "127.0.0.1", silent.getLocalPort(), "root",
                    Map.of("runbook_connect_timeout", "1s"));
            long start = System.nanoTime();

            assertThatThrownBy(() -> home.connector().open(t))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessage("127.0.0.1:" + silent.getLocalPort() + " accepted the connection but sent no SSH greeting"
                            + " within 1 s");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(900L, 2500L);
        }
    }

    @Test
    void givesUpOnAHostThatNeverAnswersTheTcpConnectWithinTheConnectTimeout() throws Exception {
        try (UnansweredPort dark = new UnansweredPort()) {
            TestHome home = new TestHome(dir);
            Target t = new Target("dark", "127.0.0.1", dark.port(), "root", Map.of("runbook_connect_timeout", "1s"));
            long start = System.nanoTime();

            assertThatThrownBy(() -> home.connector().open(t))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessage("connection to 127.0.0.1:" + dark.port() + " timed out after 1 s");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(900L, 2500L);
        }
    }

    @Test
    void aCancellationWhileTheTcpConnectIsStillUnansweredEndsItAtOnce() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (UnansweredPort dark = new UnansweredPort()) {
            TestHome home = new TestHome(dir);
            Target t = new Target("dark", "127.0.0.1", dark.port(), "root", Map.of("runbook_connect_timeout", "60s"));
            Cancellation cancel = new Cancellation();
            Future<?> open = pool.submit(() -> home.connector().open(t, cancel));
            TimeUnit.MILLISECONDS.sleep(500);

            PromptCancel.cancelAndExpectPromptEnd(cancel, open, dark.port());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCancellationAtAnyMomentOfTheConnectEndsItAtOnce() throws Exception {
        // cancelled before, during and after the TCP connect, the greeting wait and everything between:
        // none may wait for the 60 s connect timeout
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            TestHome home = new TestHome(dir);
            SshConnector connector = home.connector();
            Target t = new Target("mute", "127.0.0.1", silent.getLocalPort(), "root", Map.of("runbook_connect_timeout", "60s"));
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                for (int i = 0; i < 30; i++) {
                    Cancellation cancel = new Cancellation();
                    Future<?> open = pool.submit(() -> connector.open(t, cancel));
                    long delayMicros = (i % 10) * 300L;
                    TimeUnit.MICROSECONDS.sleep(delayMicros);
                    cancel.cancel("Ctrl-C");

                    assertThatThrownBy(() -> open.get(5, TimeUnit.SECONDS))
                            .as("cancelled %d µs after the connect began", delayMicros)
                            .hasCauseInstanceOf(UnreachableException.class)
                            .cause().hasMessageContaining("was interrupted (Ctrl-C)");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest(name = "persistent shell: {0}")
    @ValueSource(booleans = {false, true})
    void endsTheStepPromptlyWhenSshdIsKilledAndLeavesNoRemoteProcess(boolean persistentShell) throws Exception {
        try (Sshd doomed = Sshd.start()) {
            TestHome home = new TestHome(dir).trust(doomed);
            CommandRunner r = home.connector().open(doomed.target("doomed", Map.of("runbook_persistent_shell", persistentShell)));
            // a host's first step takes a channel of its own; with the shell, the step below goes through it
            assertThat(r.run(Command.run("true", null), OutputListener.NONE, Cancellation.none()).ok()).isTrue();
            String sleep = "sleep 64." + (System.nanoTime() % 100000);
            new Thread(() -> {
                try {
                    Thread.sleep(700);
                } catch (InterruptedException e) {
                    return;
                }
                doomed.killHard();
            }).start();
            long start = System.nanoTime();

            assertThatThrownBy(() -> r.run(Command.run(sleep + "; echo done", null), OutputListener.NONE,
                    Cancellation.none()))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessageContaining("was lost while the step ran");

            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
            assertThat(RemoteProcesses.awaitNone(sleep, 3000)).isEmpty();
            assertThatThrownBy(() -> r.run(Command.run("true", null), OutputListener.NONE, Cancellation.none()))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessageContaining("refused");
            r.close();
        }
    }

    @Test
    void ctrlCEndsAWaitForThePersistentShellTheServerNeverOpens() throws Exception {
        try (FrozenLink link = new FrozenLink(sshd.address(), sshd.port())) {
            try (CommandRunner r = through(link, Duration.ofSeconds(60), 3, true)) {
                // a host's first step takes a channel of its own; the shell opens for the second
                assertThat(r.run(Command.run("echo up", Duration.ofSeconds(10)), OutputListener.NONE,
                        Cancellation.none()).stdout()).isEqualTo("up\n");
                link.freeze(); // logged in, and then silent: the shell's channel never opens
                Cancellation ctrlC = ctrlCAfter(500);
                long start = System.nanoTime();

                ExecResult cancelled = r.run(Command.run("echo never", null), OutputListener.NONE, ctrlC);

                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3000);
                assertThat(cancelled.cancelled()).as(cancelled.toString()).isTrue();

                link.thaw();
                ExecResult again = r.run(Command.run("echo again", Duration.ofSeconds(10)), OutputListener.NONE,
                        Cancellation.none());
                assertThat(again.stdout()).isEqualTo("again\n");
            }
        }
    }

    @Test
    void ctrlCAndTheTimeoutEndAStepOnTheShellWhenTheServerFallsSilent() throws Exception {
        try (FrozenLink link = new FrozenLink(sshd.address(), sshd.port())) {
            try (CommandRunner r = through(link, Duration.ofSeconds(60), 3, true)) {
                for (int i = 0; i < 2; i++) { // the first on a channel of its own, the second opens the shell
                    assertThat(r.run(Command.run("echo up", Duration.ofSeconds(10)), OutputListener.NONE,
                            Cancellation.none()).stdout()).isEqualTo("up\n");
                }
                link.freeze(); // the shell is open; the request goes out and nothing comes back
                Cancellation ctrlC = ctrlCAfter(500);
                long start = System.nanoTime();

                ExecResult cancelled = r.run(Command.run("echo never", null), OutputListener.NONE, ctrlC);

                // the stop waits for the remote watcher's report as long as on a channel of its own, no longer
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(ms).isLessThan(500 + RemoteExecution.STOP_WAIT_MILLIS + 1500);
                assertThat(cancelled.cancelled()).as(cancelled.toString()).isTrue();

                link.thaw();
                ExecResult again = r.run(Command.run("echo again", Duration.ofSeconds(10)), OutputListener.NONE,
                        Cancellation.none());
                assertThat(again.stdout()).as("the next step gets a new shell").isEqualTo("again\n");

                link.freeze();
                start = System.nanoTime();
                ExecResult timedOut = r.run(Command.run("echo never", Duration.ofMillis(800)), OutputListener.NONE,
                        Cancellation.none());

                ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(ms).isBetween(800L, 800 + RemoteExecution.STOP_WAIT_MILLIS + 1500);
                assertThat(timedOut.timedOut()).as(timedOut.toString()).isTrue();
            }
        }
    }

    /** A cancellation that a thread of its own sets {@code millis} from now, as Ctrl-C would. */
    private static Cancellation ctrlCAfter(long millis) {
        Cancellation ctrlC = new Cancellation();
        new Thread(() -> {
            ctrlC.sleep(millis);
            ctrlC.cancel("interrupted");
        }).start();
        return ctrlC;
    }

    /** A runner for the test sshd reached through {@code link}, with these keepalives and a 5 s connect timeout. */
    private CommandRunner through(FrozenLink link, Duration keepalive, int keepaliveCount) throws Exception {
        return through(link, keepalive, keepaliveCount, false);
    }

    /** The same; {@code persistentShell} sends command lines after the first through the persistent shell. */
    private CommandRunner through(FrozenLink link, Duration keepalive, int keepaliveCount, boolean persistentShell)
            throws Exception {
        TestHome home = new TestHome(dir);
        java.nio.file.Files.writeString(home.knownHosts(), "[127.0.0.1]:" + link.port() + " " + sshd.hostPublicKey() + "\n");
        SshConnector c = new SshConnector(home.settings().withTimeouts(Duration.ofSeconds(5), keepalive, keepaliveCount));
        return c.open(new Target("far", "127.0.0.1", link.port(), "root",
                Map.of("ansible_ssh_private_key_file", sshd.clientKey().toString(),
                        "runbook_persistent_shell", persistentShell)));
    }

    @Test
    void detectsAPeerThatStopsAnsweringThroughKeepalives() throws Exception {
        try (FrozenLink link = new FrozenLink(sshd.address(), sshd.port())) {
            CommandRunner r = through(link, Duration.ofSeconds(1), 2);
            link.freezeAfter(500);
            long start = System.nanoTime();

            assertThatThrownBy(() -> r.run(Command.run("sleep 60", null), OutputListener.NONE, Cancellation.none()))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessageContaining("was lost");

            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(8000);
            r.close();
        }
    }

    @Test
    void ctrlCAndTheStepTimeoutEndAWaitForAChannelTheServerNeverOpens() throws Exception {
        try (FrozenLink link = new FrozenLink(sshd.address(), sshd.port())) {
            // keepalives far off: only Ctrl-C or the step's timeout may end the wait
            try (CommandRunner r = through(link, Duration.ofSeconds(60), 3)) {
                assertThat(r.run(Command.run("echo up", Duration.ofSeconds(10)), OutputListener.NONE, Cancellation.none()).stdout())
                        .isEqualTo("up\n");
                link.freeze();
                Cancellation ctrlC = new Cancellation();
                Thread presser = new Thread(() -> {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                    ctrlC.cancel("interrupted");
                });
                presser.start();
                long start = System.nanoTime();

                ExecResult cancelled = r.run(Command.run("echo never", null), OutputListener.NONE, ctrlC);

                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3000);
                assertThat(cancelled.cancelled()).as(cancelled.toString()).isTrue();
                assertThat(cancelled.ok()).isFalse();

                link.thaw();
                ExecResult again = r.run(Command.run("echo again", Duration.ofSeconds(10)), OutputListener.NONE, Cancellation.none());
                assertThat(again.stdout()).as("the next step (a finally step, say) connects again").isEqualTo("again\n");

                link.freeze();
                start = System.nanoTime();
                ExecResult timedOut = r.run(Command.run("echo never", Duration.ofMillis(800)), OutputListener.NONE, Cancellation.none());

                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3500);
                assertThat(timedOut.timedOut()).as(timedOut.toString()).isTrue();
                assertThat(timedOut.stderr()).contains("timed out while root@127.0.0.1:");
            }
        }
    }

    @Test
    void runsOnSeveralHostsInParallelEachOverItsOwnConnection() throws Exception {
        Sshd[] hosts = {Sshd.builder().address("127.0.0.11").start(), Sshd.builder().address("127.0.0.12").start(),
                Sshd.builder().address("127.0.0.13").start(), Sshd.builder().address("127.0.0.14").start()};
        ExecutorService pool = Executors.newFixedThreadPool(hosts.length);
        try {
            SshConnector connector = new TestHome(dir).trust(hosts).connector();
            List<Future<List<String>>> results = new ArrayList<>();
            for (Sshd h : hosts) {
                results.add(pool.submit(() -> {
                    try (CommandRunner r = connector.open(h.target("host-" + h.address()))) {
                        String slept = r.run(Command.run("date +%s%N; sleep 1; date +%s%N", null), OutputListener.NONE,
                                Cancellation.none()).stdout();
                        String first = r.run(Command.run("echo $SSH_CONNECTION", null), OutputListener.NONE,
                                Cancellation.none()).stdout();
                        String second = r.run(Command.run("echo $SSH_CONNECTION", null), OutputListener.NONE,
                                Cancellation.none()).stdout();
                        assertThat(first).isEqualTo(second);
                        List<String> out = new ArrayList<>(slept.lines().toList());
                        out.add(first.strip());
                        return out;
                    }
                }));
            }
            long latestStart = 0;
            long earliestEnd = Long.MAX_VALUE;
            for (int i = 0; i < hosts.length; i++) {
                List<String> out = results.get(i).get(60, TimeUnit.SECONDS);
                latestStart = Math.max(latestStart, Long.parseLong(out.get(0)));
                earliestEnd = Math.min(earliestEnd, Long.parseLong(out.get(1)));
                assertThat(out.get(2)).endsWith(hosts[i].address() + " " + hosts[i].port());
            }

            assertThat(latestStart).as("every host was sleeping at the same moment").isLessThan(earliestEnd);
        } finally {
            pool.shutdownNow();
            for (Sshd h : hosts) {
                h.close();
            }
        }
    }
}
