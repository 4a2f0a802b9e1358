package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Target;
import dev.runbook.testing.SshAgent;
import dev.runbook.testing.Sshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSH certificates against real sshd servers: hosts vouched for by a {@code @cert-authority}
 * line of known_hosts (as ssh(1) checks them: signer, validity, principal, revocation, then the
 * plain key as a fallback), and user certificates found beside the key or named by CertificateFile.
 */
class SshCertificatesIT {
    @TempDir
    static Path keys;

    static Path hostCa;
    static Path otherCa;
    static Path userCa;
    /** Host certificate by hostCa for 127.0.0.1. */
    static Sshd certified;
    /** Host certificate by hostCa that expired in 2020. */
    static Sshd expired;
    /** Host certificate by hostCa for another host name. */
    static Sshd elsewhere;
    /** Host certificate by otherCa. */
    static Sshd foreign;
    /** Trusts user certificates signed by userCa. */
    static Sshd users;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        hostCa = keys.resolve("host_ca");
        otherCa = keys.resolve("other_ca");
        userCa = keys.resolve("user_ca");
        Sshd.keygen("ed25519", hostCa, "", "host ca");
        Sshd.keygen("ecdsa", otherCa, "", "other ca");
        Sshd.keygen("ed25519", userCa, "", "user ca");
        certified = Sshd.builder().hostCertificate(hostCa, "-n", "127.0.0.1").start();
        expired = Sshd.builder().hostCertificate(hostCa, "-n", "127.0.0.1", "-V", "20200101:20200102").start();
        elsewhere = Sshd.builder().hostCertificate(hostCa, "-n", "db9.example.com").start();
        foreign = Sshd.builder().hostCertificate(otherCa, "-n", "127.0.0.1").start();
        users = Sshd.builder().config("TrustedUserCAKeys " + userCa + ".pub").start();
    }

    @AfterAll
    static void stop() {
        for (Sshd s : new Sshd[] {certified, expired, elsewhere, foreign, users}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static String echo(CommandRunner r) throws Exception {
        try (r) {
            return r.run(Command.run("echo ok", Duration.ofSeconds(10)), OutputListener.NONE, Cancellation.none()).stdout();
        }
    }

    private static String authority(String names, Path ca) throws IOException {
        return "@cert-authority " + names + " " + Files.readString(Path.of(ca + ".pub")).strip() + "\n";
    }

    private TestHome trustingHostCa(Sshd server) throws IOException {
        TestHome home = new TestHome(dir);
        Files.writeString(home.knownHosts(), authority(server.knownHostsName(), hostCa));
        return home;
    }

    @Test
    void acceptsAHostWhoseCertificateATrustedAuthoritySigned() throws Exception {
        TestHome home = trustingHostCa(certified);
        String before = Files.readString(home.knownHosts());

        assertThat(echo(home.connector().open(certified.target("web1")))).isEqualTo("ok\n");
        // accepted through the authority: nothing is added, even with accept-new
        assertThat(echo(home.connector().open(certified.target("web1", Map.of("runbook_host_key_checking", "accept-new")))))
                .isEqualTo("ok\n");
        assertThat(Files.readString(home.knownHosts())).isEqualTo(before);
    }

    @Test
    void anAuthorityListedForAWildcardPatternVouchesForEveryHostItMatches() throws Exception {
        TestHome home = new TestHome(dir);
        Files.writeString(home.knownHosts(), authority("[127.0.0.*]:*", hostCa));

        assertThat(echo(home.connector().open(certified.target("web1")))).isEqualTo("ok\n");
    }

    @Test
    void anAuthorityForOtherHostsVouchesForNothingHere() throws Exception {
        TestHome home = new TestHome(dir);
        Files.writeString(home.knownHosts(), authority("*.example.com,!" + certified.knownHostsName(), hostCa));

        assertThatThrownBy(() -> home.connector().open(certified.target("web1")))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("host key of " + certified.knownHostsName() + " is unknown");
    }

    @Test
    void refusesACertificateFromAnAuthorityNotListed() throws Exception {
        TestHome home = trustingHostCa(foreign);

        assertThatThrownBy(() -> home.connector().open(foreign.target("web1")))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("host key of " + foreign.knownHostsName() + " is unknown")
                .hasMessageContaining(foreign.hostKeyFingerprint())
                .hasMessageContaining("its host certificate was not accepted")
                .hasMessageContaining("Certification Authority not in the known hosts")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void refusesAnExpiredHostCertificate() throws Exception {
        TestHome home = trustingHostCa(expired);

        assertThatThrownBy(() -> home.connector().open(expired.target("web1")))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("its host certificate was not accepted")
                .hasMessageContaining("expired");
    }

    @Test
    void refusesAHostCertificateIssuedForAnotherName() throws Exception {
        TestHome home = trustingHostCa(elsewhere);

        assertThatThrownBy(() -> home.connector().open(elsewhere.target("web1")))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("its host certificate was not accepted")
                .hasMessageContaining("db9.example.com");
    }

    @Test
    void refusesLoudlyWhenTheAuthorityIsRevoked() throws Exception {
        TestHome home = trustingHostCa(certified);
        Files.writeString(home.knownHosts(), "@revoked * " + Files.readString(Path.of(hostCa + ".pub")),
                java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(() -> home.connector().open(certified.target("web1", Map.of("runbook_host_key_checking", "accept-new"))))
                .isInstanceOf(HostKeyRejectedException.class)
                .hasMessageContaining("revoked")
                .hasMessageContaining(certified.knownHostsName())
                .satisfies(e -> assertThat(((HostKeyRejectedException) e).changed()).isTrue())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aCertificateNotAcceptedFallsBackToThePlainKeyAsOpensshDoes() throws Exception {
        TestHome home = trustingHostCa(foreign).trust(foreign);

        assertThat(echo(home.connector().open(foreign.target("web1")))).isEqualTo("ok\n");
    }

    @Test
    void aUserCertificateBesideTheKeyLogsInWithAKeyNotInAuthorizedKeys() throws Exception {
        TestHome home = new TestHome(dir).trust(users);
        Path key = dir.resolve("deploy");
        Sshd.keygen("ed25519", key, "", "deploy");
        Sshd.certify(userCa, key, false, "-n", "root");

        assertThat(echo(home.connector().open(users.target("web1", Map.of("ansible_ssh_private_key_file", key.toString())))))
                .isEqualTo("ok\n");
    }

    @Test
    void aCertificateFileNamedInSshConfigIsOffered() throws Exception {
        Path key = dir.resolve("deploy");
        Sshd.keygen("ecdsa", key, "", "deploy");
        Path cert = Sshd.certify(userCa, key, false, "-n", "root");
        Path elsewhere = Files.createDirectories(dir.resolve("certs")).resolve("deploy.cert");
        Files.move(cert, elsewhere);
        TestHome home = new TestHome(dir).trust(users)
                .config("Host *\n  IdentityFile " + key + "\n  CertificateFile " + elsewhere + "\n");
        Target target = new Target("web1", users.address(), users.port(), "root", Map.of());

        assertThat(echo(home.connector().open(target))).isEqualTo("ok\n");
    }

    @Test
    void aUserCertificateHeldByTheSshAgentLogsIn() throws Exception {
        Path key = dir.resolve("deploy");
        Sshd.keygen("ed25519", key, "", "deploy");
        Sshd.certify(userCa, key, false, "-n", "root");
        try (SshAgent agent = SshAgent.start(dir.resolve("agent.sock"))) {
            // ssh-add loads the certificate beside the key too; then neither file is needed
            agent.add(key);
            Files.delete(key);
            Files.delete(Path.of(key + "-cert.pub"));
            TestHome home = new TestHome(dir).trust(users);

            SshConnector viaAgent = new SshConnector(home.settings().withAgent(agent.socket()));

            assertThat(echo(viaAgent.open(new Target("web1", users.address(), users.port(), "root", Map.of()))))
                    .isEqualTo("ok\n");
        }
    }

    @Test
    void anExpiredUserCertificateDoesNotHideThePlainKey() throws Exception {
        TestHome home = new TestHome(dir).trust(users);
        Path key = dir.resolve("deploy");
        Sshd.keygen("ed25519", key, "", "deploy");
        Sshd.certify(userCa, key, false, "-n", "root", "-V", "20200101:20200102");
        users.authorize(key);

        assertThat(echo(home.connector().open(users.target("web1", Map.of("ansible_ssh_private_key_file", key.toString())))))
                .isEqualTo("ok\n");
    }

    @Test
    void anAuthenticationFailureNamesTheCertificateOffered() throws Exception {
        TestHome home = new TestHome(dir).trust(users);
        Path key = dir.resolve("deploy");
        Sshd.keygen("ed25519", key, "", "deploy");
        Sshd.certify(userCa, key, false, "-n", "someone-else");

        assertThatThrownBy(() -> home.connector().open(users.target("web1", Map.of("ansible_ssh_private_key_file", key.toString()))))
                .isInstanceOf(UnreachableException.class)
                .hasMessageContaining("authentication failed")
                .hasMessageContaining(key + "-cert.pub");
    }
}
