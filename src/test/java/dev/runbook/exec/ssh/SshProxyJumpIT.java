package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.HostKeyEvents;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Target;
import dev.runbook.testing.Sshd;
import dev.runbook.testing.UnansweredPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshProxyJumpIT {
    Sshd jump;
    Sshd target;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        jump = Sshd.builder().logLevel("DEBUG1").start();
        target = Sshd.builder().address("127.0.0.21").start();
    }

    @AfterEach
    void stop() {
        jump.close();
        target.close();
    }

    private TestHome homeWithConfig(String jumpName, Sshd... trusted) throws Exception {
        return new TestHome(dir).trust(trusted).config("""
                Host app
                  HostName 127.0.0.21
                  Port TPORT
                  User root
                  IdentityFile KEY
                  ProxyJump JUMP
                Host bastion
                  HostName 127.0.0.1
                  Port JPORT
                  User root
                  IdentityFile KEY
                """.replace("TPORT", String.valueOf(target.port())).replace("JPORT", String.valueOf(jump.port()))
                .replace("KEY", jump.clientKey().toString()).replace("JUMP", jumpName));
    }

    private static String echo(CommandRunner r) throws Exception {
        return r.run(Command.run("echo $SSH_CONNECTION", Duration.ofSeconds(10)), OutputListener.NONE,
                Cancellation.none()).stdout();
    }

    @Test
    void reachesTheTargetThroughTheJumpHostNamedInSshConfig() throws Exception {
        target.authorize(jump.clientKey());
        TestHome home = homeWithConfig("bastion", jump, target);

        try (CommandRunner r = home.connector().open(new Target("app", "app", 0, null, Map.of()))) {
            assertThat(echo(r)).contains(" 127.0.0.21 " + target.port());
        }
        assertThat(jump.log()).contains("target 127.0.0.21 port " + target.port());
    }

    @Test
    void anUnknownJumpHostKeyIsRefusedNamingTheJumpHost() throws Exception {
        target.authorize(jump.clientKey());
        TestHome home = homeWithConfig("bastion", target);

        assertThatThrownBy(() -> home.connector().open(new Target("app", "app", 0, null, Map.of())))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageStartingWith("jump host bastion: host key of " + jump.knownHostsName() + " is unknown")
                .hasMessageContaining(jump.hostKeyFingerprint());
        assertThat(target.log()).doesNotContain("Accepted publickey");
    }

    @Test
    void aJumpHostKeyAcceptedUnderAcceptNewIsToldAsTheJumpHosts() throws Exception {
        target.authorize(jump.clientKey());
        TestHome home = homeWithConfig("bastion", target);
        Files.writeString(home.ssh().resolve("config"), "Host bastion\n  StrictHostKeyChecking accept-new\n"
                + Files.readString(home.ssh().resolve("config")));
        List<HostKeyEvents.Accepted> accepted = new ArrayList<>();

        try (CommandRunner r = home.connector().open(new Target("app", "app", 0, null, Map.of()), Cancellation.none(), accepted::add)) {
            assertThat(echo(r)).contains(" 127.0.0.21 " + target.port());
        }

        assertThat(accepted).containsExactly(new HostKeyEvents.Accepted(jump.knownHostsName(), "ssh-ed25519",
                jump.hostKeyFingerprint(), home.knownHosts(), "root@127.0.0.1:" + jump.port()));
        assertThat(Files.readString(home.knownHosts())).contains(jump.knownHostsLine());
    }

    @Test
    void takesTheJumpHostFromAnsibleSshCommonArgs() throws Exception {
        TestHome home = new TestHome(dir).trust(jump, target);
        Files.copy(jump.clientKey(), home.ssh().resolve("id_ed25519"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Target t = target.target("app", Map.of("ansible_ssh_common_args",
                "-o ProxyJump=root@127.0.0.1:" + jump.port() + " -o ServerAliveInterval=3"));

        try (CommandRunner r = home.connector().open(t)) {
            assertThat(echo(r)).contains(" 127.0.0.21 " + target.port());
        }
        assertThat(jump.log()).contains("target 127.0.0.21 port " + target.port());
    }

    @Test
    void sharesOneJumpConnectionAmongTheTargetsBehindIt() throws Exception {
        target.authorize(jump.clientKey());
        TestHome home = homeWithConfig("bastion", jump, target);
        SshConnector connector = home.connector();
        List<CommandRunner> runners = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                runners.add(connector.open(new Target("app" + i, "app", 0, null, Map.of())));
            }
            for (CommandRunner r : runners) {
                assertThat(echo(r)).contains(" 127.0.0.21 ");
            }
        } finally {
            runners.forEach(CommandRunner::close);
        }
        assertThat(jump.log().lines().filter(l -> l.contains("Accepted publickey"))).hasSize(1);
    }

    @Test
    void aTargetThatGoesSilentBehindTheJumpHostIsNoticedByKeepalives() throws Exception {
        TestHome home = new TestHome(dir).trust(jump, target);
        Files.copy(jump.clientKey(), home.ssh().resolve("id_ed25519"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        target.authorize(jump.clientKey());
        Target t = target.target("app", Map.of("ansible_ssh_common_args",
                "-J root@127.0.0.1:" + jump.port() + " -o ServerAliveInterval=1 -o ServerAliveCountMax=2"));

        try (CommandRunner r = home.connector().open(t)) {
            assertThat(echo(r)).contains(" 127.0.0.21 " + target.port());
            // the target's sshd for this connection stops; the jump host still forwards, so only the target is silent
            Sshd.run("pkill", "-STOP", "-P", String.valueOf(target.pid()));
            long start = System.nanoTime();
            try {
                assertThatThrownBy(() -> r.run(Command.run("sleep 1; echo late", Duration.ofSeconds(60)), OutputListener.NONE,
                        Cancellation.none()))
                        .isInstanceOf(UnreachableException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("found out by keepalives, not the step's 60 s timeout")
                        .isLessThan(Duration.ofSeconds(20));
            } finally {
                Sshd.run("pkill", "-CONT", "-P", String.valueOf(target.pid()));
            }
        }
    }

    @Test
    void reportsAJumpHostThatDoesNotForward() throws Exception {
        try (Sshd closed = Sshd.builder().config("AllowTcpForwarding no").start()) {
            TestHome home = new TestHome(dir).trust(closed, target);
            Files.copy(closed.clientKey(), home.ssh().resolve("id_ed25519"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            Target t = target.target("app", Map.of("ansible_ssh_common_args", "-J root@127.0.0.1:" + closed.port()));

            assertThatThrownBy(() -> home.connector().open(t))
                    .isInstanceOf(UnreachableException.class)
                    .hasMessageContaining("jump host root@127.0.0.1:" + closed.port())
                    .hasMessageContaining("would not open a connection to 127.0.0.21:" + target.port());
        }
    }

    @Test
    void aCancellationWhileTheJumpHostIsStillReachingTheTargetEndsItAtOnce() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        // the bastion's connect to the target goes unanswered, so the channel to it never opens
        try (UnansweredPort dark = new UnansweredPort()) {
            TestHome home = new TestHome(dir).trust(jump);
            Files.copy(jump.clientKey(), home.ssh().resolve("id_ed25519"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            Target t = new Target("dark", "127.0.0.1", dark.port(), "root", Map.of(
                    "ansible_ssh_common_args", "-J root@127.0.0.1:" + jump.port(), "runbook_connect_timeout", "60s"));
            Cancellation cancel = new Cancellation();
            Future<CommandRunner> open = pool.submit(() -> home.connector().open(t, cancel));
            // the jump connection is up and the bastion is connecting once its log shows the request
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!jump.log().contains("port " + dark.port()) && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(jump.log()).contains("port " + dark.port());

            PromptCancel.cancelAndExpectPromptEnd(cancel, open, dark.port());
            // the worker thread is not left interrupted for whatever it does next
            assertThat(pool.submit(() -> Thread.currentThread().isInterrupted()).get()).isFalse();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void checksTheJumpHostKeyToo() throws Exception {
        target.authorize(jump.clientKey());
        TestHome home = homeWithConfig("bastion", target);

        assertThatThrownBy(() -> home.connector().open(new Target("app", "app", 0, null, Map.of())))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("[127.0.0.1]:" + jump.port())
                .hasMessageContaining(jump.hostKeyFingerprint());
    }
}
