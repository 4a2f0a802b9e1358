package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import dev.runbook.testing.Sshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshHostKeysIT {
    static Sshd sshd;
    static Sshd other;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        sshd = Sshd.start();
        other = Sshd.start();
    }

    @AfterAll
    static void stop() {
        sshd.close();
        other.close();
    }

    private static String echo(CommandRunner r) throws Exception {
        try (r) {
            return r.run(Command.run("echo ok", Duration.ofSeconds(10)), OutputListener.NONE, Cancellation.none()).stdout();
        }
    }

    @Test
    void refusesAnUnknownHostNamingItsFingerprintAndHowToAcceptIt() throws Exception {
        TestHome home = new TestHome(dir);

        assertThatThrownBy(() -> home.connector().open(sshd.target("web1")))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("host key of [127.0.0.1]:" + sshd.port() + " is unknown")
                .hasMessageContaining(sshd.hostKeyFingerprint())
                .hasMessageContaining("if that fingerprint is the host's (check it on the host: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), "
                        + "add it with 'ssh-keyscan -p " + sshd.port() + " 127.0.0.1 >> " + home.knownHosts() + "'")
                .hasMessageContaining("runbook_host_key_checking: accept-new")
                .satisfies(e -> assertThat(((HostKeyRejectedException) e).changed()).isFalse())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(home.knownHosts()).doesNotExist();
    }

    @Test
    void anUnknownHostWhoseKnownHostsIsDevNullIsNotToldToAppendToDevNull() throws Exception {
        TestHome home = new TestHome(dir).config("Host *\n  UserKnownHostsFile /dev/null\n");

        assertThatThrownBy(() -> home.connector().open(sshd.target("web1")))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("list it in a known_hosts file named by runbook_known_hosts (UserKnownHostsFile is /dev/null)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(">> /dev/null"));
    }

    @Test
    void acceptNewRecordsAnUnknownKeyInTheInventoryKnownHostsAndTrustsItAfterwards() throws Exception {
        TestHome home = new TestHome(dir);
        Path inventoryKnownHosts = dir.resolve("inventory/known_hosts");
        Map<String, Object> acceptNew = Map.of("runbook_host_key_checking", "accept-new",
                "runbook_known_hosts", inventoryKnownHosts.toString());

        assertThat(echo(home.connector().open(sshd.target("web1", acceptNew)))).isEqualTo("ok\n");

        assertThat(Files.readString(inventoryKnownHosts)).isEqualTo(sshd.knownHostsLine() + "\n");
        assertThat(home.knownHosts()).doesNotExist();
        Map<String, Object> strict = Map.of("runbook_known_hosts", inventoryKnownHosts.toString());
        assertThat(echo(home.connector().open(sshd.target("web1", strict)))).isEqualTo("ok\n");
    }

    @Test
    void acceptNewWithoutAnInventoryFileRecordsTheKeyInTheUsersKnownHosts() throws Exception {
        TestHome home = new TestHome(dir);
        Files.writeString(home.knownHosts(), "# keep this comment");

        echo(home.connector().open(sshd.target("web1", Map.of("runbook_host_key_checking", "accept-new"))));

        assertThat(Files.readString(home.knownHosts())).isEqualTo("# keep this comment\n" + sshd.knownHostsLine() + "\n");
    }

    @Test
    void refusesAChangedHostKeyLoudlyEvenWithAcceptNew() throws Exception {
        TestHome home = new TestHome(dir);
        Files.writeString(home.knownHosts(), sshd.knownHostsName() + " " + other.hostPublicKey() + "\n");

        for (Object mode : new Object[] {"strict", "accept-new"}) {
            assertThatThrownBy(() -> home.connector().open(sshd.target("web1", Map.of("runbook_host_key_checking", mode))))
                    .isInstanceOf(HostKeyRejectedException.class)
                    .hasMessageStartingWith("HOST KEY CHANGED for [127.0.0.1]:" + sshd.port())
                    .hasMessageContaining("possible man-in-the-middle")
                    .hasMessageContaining(sshd.hostKeyFingerprint())
                    .hasMessageContaining(home.knownHosts() + ":1")
                    .satisfies(e -> assertThat(((HostKeyRejectedException) e).changed()).isTrue());
        }
        assertThat(Files.readAllLines(home.knownHosts())).hasSize(1);
    }

    @Test
    void acceptsAHostListedUnderAHashedName() throws Exception {
        TestHome home = new TestHome(dir).trust(sshd);
        Sshd.run("ssh-keygen", "-H", "-f", home.knownHosts().toString());
        assertThat(Files.readString(home.knownHosts())).startsWith("|1|").doesNotContain("127.0.0.1");

        assertThat(echo(home.connector().open(sshd.target("web1")))).isEqualTo("ok\n");
    }

    @Test
    void doesNotTrustAKeyListedForTheSameAddressOnAnotherPort() throws Exception {
        TestHome home = new TestHome(dir);
        Files.writeString(home.knownHosts(), "127.0.0.1 " + sshd.hostPublicKey() + "\n");

        assertThatThrownBy(() -> home.connector().open(sshd.target("web1")))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("is unknown");
    }

    @Test
    void refusesAKeyMarkedRevoked() throws Exception {
        TestHome home = new TestHome(dir).trust(sshd);
        Files.writeString(home.knownHosts(), "@revoked * " + sshd.hostPublicKey() + "\n",
                java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(() -> home.connector().open(sshd.target("web1")))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("@revoked");
    }

    @Test
    void refusesToSwitchHostKeyCheckingOff() throws Exception {
        TestHome home = new TestHome(dir).trust(sshd);

        assertThatThrownBy(() -> home.connector().open(sshd.target("web1", Map.of("runbook_host_key_checking", "no"))))
                .isInstanceOf(UnreachableException.class)
                .hasMessageContaining("must be strict or accept-new");
    }

    @Test
    void trustsTheInventoryKnownHostsBesideTheUsersOwn() throws Exception {
        TestHome home = new TestHome(dir);
        Path inventoryKnownHosts = sshd.trustIn(dir.resolve("inv_known_hosts"));

        assertThat(echo(home.connector().open(sshd.target("web1", Map.of("runbook_known_hosts",
                inventoryKnownHosts.toString()))))).isEqualTo("ok\n");
    }

    @Test
    void checksAnRsaHostKeyWithSha2Signatures() throws Exception {
        try (Sshd rsa = Sshd.builder().hostKeyType("rsa").config("HostKeyAlgorithms rsa-sha2-512,rsa-sha2-256").start()) {
            TestHome home = new TestHome(dir).trust(rsa);

            assertThat(echo(home.connector().open(rsa.target("rsa-host")))).isEqualTo("ok\n");
        }
    }
}
