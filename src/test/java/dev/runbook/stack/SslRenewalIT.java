package dev.runbook.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Certificates;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Nginx;
import dev.runbook.testing.ServiceControl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ssl-renewal against a real nginx serving TLS on loopback with a certificate made by openssl. */
class SslRenewalIT {
    @TempDir
    Path dir;
    Path cert;
    Path key;
    Nginx nginx;
    Path inventory;
    Cli cli;

    @BeforeEach
    void nginxServesACertificateAboutToExpire() throws IOException {
        Path ssl = Files.createDirectories(dir.resolve("ssl"));
        cert = ssl.resolve("nucleus.crt");
        key = ssl.resolve("nucleus.key");
        Certificates.selfSigned(cert, key, "localhost", 2);
        nginx = Nginx.start(dir.resolve("nginx"), cert, key, null);
        inventory = new StackInventory()
                .var("tls_cert", cert.toString()).var("tls_key", key.toString())
                .var("tls_host", "localhost").var("tls_port", nginx.port())
                .service("nginx", ServiceControl.nginx(nginx))
                .write(dir.resolve("inventory.yaml"));
        cli = StackInventory.cli(dir);
    }

    @AfterEach
    void stopNginx() {
        nginx.close();
    }

    @Test
    void renewsACertificateAboutToExpireAndTheServerPresentsTheNewOne() throws IOException {
        X509Certificate before = Certificates.served("localhost", nginx.port());
        assertThat(before.getNotAfter().toInstant()).isBefore(Instant.now().plus(Duration.ofDays(3)));

        Cli.Result r = cli.run("run", "ssl-renewal", "-i", inventory.toString(), "-p", "method=self-signed", "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        X509Certificate served = Certificates.served("localhost", nginx.port());
        assertThat(served.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(360)));
        assertThat(Certificates.fingerprint(served)).isEqualTo(Certificates.fingerprint(Certificates.read(cert)))
                .isNotEqualTo(Certificates.fingerprint(before));
        assertThat(r.output()).contains("renewed: yes, with self-signed").contains("served now: 364 days left");
        assertThat(siblings("nucleus.crt.before-")).hasSize(1);
        assertThat(Certificates.fingerprint(Certificates.read(siblings("nucleus.crt.before-").get(0))))
                .isEqualTo(Certificates.fingerprint(before));
        assertThat(siblings("nucleus.crt.new")).isEmpty();
    }

    @Test
    void theServedCertificateIsReadFromTheHostItselfWhenThePublicNameDoesNotLeadThere() throws IOException {
        // clients use a name that does not resolve on the host (public DNS, a load balancer): nginx is
        // still reached on tls_address (default 127.0.0.1), with the name sent as SNI
        Path publicName = new StackInventory()
                .var("tls_cert", cert.toString()).var("tls_key", key.toString())
                .var("tls_host", "nucleus.invalid").var("tls_port", nginx.port())
                .service("nginx", ServiceControl.nginx(nginx))
                .write(dir.resolve("public-name.yaml"));

        Cli.Result r = cli.run("run", "ssl-renewal", "-i", publicName.toString(), "-p", "method=self-signed", "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).contains("renewed: yes, with self-signed").contains("served now: 364 days left")
                .doesNotContain("no certificate presented");
        assertThat(Certificates.fingerprint(Certificates.served("localhost", nginx.port())))
                .isEqualTo(Certificates.fingerprint(Certificates.read(cert)));
        assertThat(Certificates.read(cert).getSubjectX500Principal().getName()).contains("CN=nucleus.invalid");
    }

    @Test
    void aCertificateThatIsNotDueIsLeftAlone() throws IOException {
        Certificates.selfSigned(cert, key, "localhost", 200);
        ServiceControl.nginx(nginx).run("reload");
        byte[] original = Files.readAllBytes(cert);
        awaitServed(cert);

        Cli.Result r = cli.run("run", "ssl-renewal", "-i", inventory.toString(), "-p", "method=self-signed", "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).contains("renewed: no, not due").contains("reloaded: no");
        assertThat(Files.readAllBytes(cert)).isEqualTo(original);
        assertThat(siblings("nucleus.crt.")).isEmpty();
    }

    @Test
    void withABrokenNginxConfigurationItChangesNothingAndTheOldCertificateIsStillServed() throws IOException {
        byte[] original = Files.readAllBytes(cert);
        String servedBefore = Certificates.fingerprint(Certificates.served("localhost", nginx.port()));
        long master = nginx.masterPid();
        nginx.breakConfig();

        Cli.Result r = cli.run("run", "ssl-renewal", "-i", inventory.toString(), "-p", "method=self-signed", "--yes");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).contains("config-before").contains("renewed: NO");
        assertThat(stepsStarted()).doesNotContain("self-signed", "swap", "reload");
        assertThat(Files.readAllBytes(cert)).isEqualTo(original);
        assertThat(Certificates.fingerprint(Certificates.served("localhost", nginx.port()))).isEqualTo(servedBefore);
        assertThat(nginx.masterPid()).isEqualTo(master);
        assertThat(siblings("nucleus.")).containsExactlyInAnyOrder(cert, key);
    }

    @Test
    void whenTheConfigurationBreaksWhileItWaitsTheOldCertificateIsPutBackAndNginxIsNotReloaded() throws IOException {
        byte[] original = Files.readAllBytes(cert);
        byte[] originalKey = Files.readAllBytes(key);
        String servedBefore = Certificates.fingerprint(Certificates.served("localhost", nginx.port()));

        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", "ssl-renewal", "-i", inventory.toString(), "-p", "method=self-signed")) {
            run.awaitOutput("Renew it with");
            nginx.breakConfig();   // someone edits nginx.conf while the gate waits
            run.type("y\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).contains("the old certificate is back in place and nginx was not reloaded");
        assertThat(stepsStarted()).contains("swap", "config-after", "put-back").doesNotContain("reload");
        assertThat(Files.readAllBytes(cert)).isEqualTo(original);
        assertThat(Files.readAllBytes(key)).isEqualTo(originalKey);
        assertThat(Certificates.fingerprint(Certificates.served("localhost", nginx.port()))).isEqualTo(servedBefore);
        assertThat(siblings("nucleus.crt.new")).isEmpty();
    }

    /** The ids of the steps that started, in the last run. */
    private List<String> stepsStarted() {
        return AuditLog.ofType(cli.auditFile(), "step.started").stream().map(e -> e.path("step").asText()).toList();
    }

    private List<Path> siblings(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(cert.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    private void awaitServed(Path pem) {
        String want = Certificates.fingerprint(Certificates.read(pem));
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Certificates.fingerprint(Certificates.served("localhost", nginx.port())).equals(want)) {
            assertThat(System.nanoTime()).as("nginx serves the reloaded certificate").isLessThan(end);
            Thread.onSpinWait();
        }
    }
}
