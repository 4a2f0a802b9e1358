package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Target;
import dev.runbook.testing.Sshd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ProxyCommand from ssh_config or an Ansible inventory, through real OpenSSH: the command carries the connection and ends with it. */
class SshProxyCommandIT {
    Sshd bastion;
    Sshd target;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        bastion = Sshd.builder().logLevel("DEBUG1").start();
        target = Sshd.builder().address("127.0.0.21").start();
    }

    @AfterEach
    void stop() {
        bastion.close();
        target.close();
    }

    /** A ProxyCommand that relays to %h:%p with bash's /dev/tcp; {@code marker} names it on its command line. */
    private static String relay(String marker) {
        return "bash -c 'exec 3<>/dev/tcp/%h/%p; cat <&3 & exec cat >&3' " + marker;
    }

    private static String echo(CommandRunner r) throws Exception {
        return r.run(Command.run("echo $SSH_CONNECTION", Duration.ofSeconds(10)), OutputListener.NONE,
                Cancellation.none()).stdout();
    }

    /** No process whose command line holds {@code marker} is left, within a few seconds. */
    private static void assertGone(String marker) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (running(marker) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(running(marker)).as("a process of the proxy command (%s) is still running", marker).isFalse();
    }

    private static boolean running(String marker) {
        return ProcessHandle.allProcesses().anyMatch(p -> p.isAlive() && p.info().commandLine().orElse("").contains(marker));
    }

    @Test
    void reachesTheTargetThroughOpenSshStdioForwardingNamedInSshConfig() throws Exception {
        target.authorize(bastion.clientKey());
        TestHome home = new TestHome(dir).trust(bastion, target);
        home.config("""
                Host app
                  HostName 127.0.0.21
                  Port TPORT
                  User root
                  IdentityFile KEY
                  ProxyCommand /usr/bin/ssh -F /dev/null -i KEY -o BatchMode=yes -o UserKnownHostsFile=KNOWN -o StrictHostKeyChecking=yes -p BPORT -W %h:%p root@127.0.0.1
                """.replace("TPORT", String.valueOf(target.port())).replace("BPORT", String.valueOf(bastion.port()))
                .replace("KEY", bastion.clientKey().toString()).replace("KNOWN", home.knownHosts().toString()));

        try (CommandRunner r = home.connector().open(new Target("app", "app", 0, null, Map.of()))) {
            assertThat(echo(r)).contains(" 127.0.0.21 " + target.port());
            assertThat(echo(r)).as("one connection for several steps").contains(" 127.0.0.21 " + target.port());
        }
        assertThat(bastion.log()).contains("target 127.0.0.21 port " + target.port());
        assertGone("-W 127.0.0.21:" + target.port());
    }

    @Test
    void aJumpHostReachedThroughAProxyCommand() throws Exception {
        target.authorize(bastion.clientKey());
        TestHome home = new TestHome(dir).trust(bastion, target);
        String marker = "to-bastion-" + UUID.randomUUID();
        home.config("""
                Host app
                  HostName 127.0.0.21
                  Port TPORT
                  User root
                  IdentityFile KEY
                  ProxyJump bastion
                Host bastion
                  HostName 127.0.0.1
                  Port BPORT
                  User root
                  IdentityFile KEY
                  ProxyCommand RELAY
                """.replace("TPORT", String.valueOf(target.port())).replace("BPORT", String.valueOf(bastion.port()))
                .replace("KEY", bastion.clientKey().toString()).replace("RELAY", relay(marker)));

        try (CommandRunner r = home.connector().open(new Target("app", "app", 0, null, Map.of()))) {
            assertThat(echo(r)).contains(" 127.0.0.21 " + target.port());
            assertThat(running(marker)).as("the bastion is reached through the command").isTrue();
        }
        assertThat(bastion.log()).contains("target 127.0.0.21 port " + target.port());
        assertGone(marker);
    }

    @Test
    void takesAProxyCommandFromAnsibleSshCommonArgsAndEndsItWithTheConnection() throws Exception {
        TestHome home = new TestHome(dir).trust(target);
        String marker = "relay-" + UUID.randomUUID();
        Target t = target.target("app", Map.of("ansible_ssh_common_args",
                "-o ProxyCommand=\"" + relay(marker) + "\""));

        try (CommandRunner r = home.connector().open(t)) {
            assertThat(echo(r)).contains(" 127.0.0.21 " + target.port());
            assertThat(running(marker)).isTrue();
        }
        assertGone(marker);
    }

    @Test
    void aPathThatGoesSilentIsNoticedByKeepalivesInsteadOfHanging() throws Exception {
        TestHome home = new TestHome(dir).trust(target);
        String marker = "frozen-" + UUID.randomUUID();
        Target t = target.target("app", Map.of("ansible_ssh_common_args",
                "-o ServerAliveInterval=1 -o ServerAliveCountMax=2"
                        + " -o ProxyCommand=\"" + relay(marker) + "\""));

        try (CommandRunner r = home.connector().open(t)) {
            assertThat(echo(r)).contains(" 127.0.0.21 " + target.port());
            long relay = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker))
                    .mapToLong(ProcessHandle::pid).min().orElseThrow();
            String group = Sshd.run("ps", "-o", "pgid=", "-p", String.valueOf(relay)).strip();
            Sshd.run("kill", "-STOP", "--", "-" + group);  // the relay stays, and passes nothing on: a silent path
            long start = System.nanoTime();

            assertThatThrownBy(() -> r.run(Command.run("sleep 1; echo late", Duration.ofSeconds(60)), OutputListener.NONE,
                    Cancellation.none()))
                    .isInstanceOf(UnreachableException.class);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("found out by keepalives, not the step's 60 s timeout")
                    .isLessThan(Duration.ofSeconds(20));
        }
        assertGone(marker);
    }

    @Test
    void aProxyCommandThatFailsIsUnreachableWithWhatItSaid() throws Exception {
        TestHome home = new TestHome(dir).trust(target);
        Target t = target.target("app", Map.of("ansible_ssh_common_args",
                "-o ProxyCommand=\"sh -c 'echo bastion.invalid: Name or service not known >&2; exit 255'\""));

        assertThatThrownBy(() -> home.connector().open(t))
                .isInstanceOf(UnreachableException.class)
                .hasMessageContaining("ProxyCommand 'sh -c")
                .hasMessageContaining("exited 255")
                .hasMessageContaining("bastion.invalid: Name or service not known");
    }

    @Test
    void aProxyCommandThatNeverAnswersIsBoundedByTheConnectTimeoutAndEnded() throws Exception {
        TestHome home = new TestHome(dir).trust(target);
        String marker = "silent-" + UUID.randomUUID();
        Target t = target.target("app", Map.of("runbook_connect_timeout", "1s",
                "ansible_ssh_common_args", "-o ProxyCommand=\"sh -c 'sleep 6137' " + marker + "\""));

        long start = System.nanoTime();
        assertThatThrownBy(() -> home.connector().open(t))
                .isInstanceOf(UnreachableException.class)
                .hasMessageContaining("timed out")
                .hasMessageContaining("ProxyCommand");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertGone(marker);
        assertGone("sleep 6137");
    }

    @Test
    void theTargetsHostKeyIsStillCheckedThroughTheCommand() throws Exception {
        TestHome home = new TestHome(dir);
        Target t = target.target("app", Map.of("ansible_ssh_common_args",
                "-o ProxyCommand=\"" + relay("relay") + "\""));

        assertThatThrownBy(() -> home.connector().open(t))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining(target.hostKeyFingerprint());
    }
}
