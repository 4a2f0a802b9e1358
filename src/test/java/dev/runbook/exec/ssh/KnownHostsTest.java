package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownHostsTest {
    static final byte[] KEY = blob("ssh-ed25519", 1);
    static final byte[] OTHER = blob("ssh-ed25519", 2);
    static final byte[] RSA = blob("ssh-rsa", 3);

    static byte[] blob(String type, int fill) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[4 + t.length + 8];
        b[3] = (byte) t.length;
        System.arraycopy(t, 0, b, 4, t.length);
        java.util.Arrays.fill(b, 4 + t.length, b.length, (byte) fill);
        return b;
    }

    static String line(String names, byte[] key) {
        return names + " " + KnownHosts.keyType(key) + " " + Base64.getEncoder().encodeToString(key);
    }

    static String hashed(String host) throws Exception {
        byte[] salt = new byte[20];
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(salt, "HmacSHA1"));
        return "|1|" + Base64.getEncoder().encodeToString(salt) + "|"
                + Base64.getEncoder().encodeToString(mac.doFinal(host.getBytes(StandardCharsets.UTF_8)));
    }

    private static KnownHosts.Status check(Path file, String host, byte[] key) {
        return new KnownHosts().check(List.of(file), host, key).status();
    }

    @Test
    void matchesPlainHashedAndWildcardNames(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("kh"), String.join("\n", line("web1,10.0.0.1", KEY),
                line(hashed("[db]:2222"), KEY), line("*.example.com,!bad.example.com", KEY)) + "\n");

        assertThat(check(f, "web1", KEY)).isEqualTo(KnownHosts.Status.OK);
        assertThat(check(f, "10.0.0.1", KEY)).isEqualTo(KnownHosts.Status.OK);
        assertThat(check(f, "[db]:2222", KEY)).isEqualTo(KnownHosts.Status.OK);
        assertThat(check(f, "db", KEY)).isEqualTo(KnownHosts.Status.UNKNOWN);
        assertThat(check(f, "a.example.com", KEY)).isEqualTo(KnownHosts.Status.OK);
        assertThat(check(f, "bad.example.com", KEY)).isEqualTo(KnownHosts.Status.UNKNOWN);
    }

    @Test
    void aDifferentKeyOfTheSameTypeIsAChangeAndOfAnotherTypeIsUnknown(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("kh"), "# comment\n\n" + line("web1", KEY) + "\n");

        KnownHosts.Verdict v = new KnownHosts().check(List.of(f), "web1", OTHER);

        assertThat(v.status()).isEqualTo(KnownHosts.Status.CHANGED);
        assertThat(v.conflict().line()).isEqualTo(3);
        assertThat(check(f, "web1", RSA)).isEqualTo(KnownHosts.Status.UNKNOWN);
    }

    @Test
    void aRevokedKeyIsRefusedWhateverElseListsIt(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("kh"), line("web1", KEY) + "\n@revoked * " + line("", KEY).strip() + "\n");

        assertThat(check(f, "web1", KEY)).isEqualTo(KnownHosts.Status.REVOKED);
    }

    @Test
    void addsALineAndSeesItAtOnce(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sub/kh");
        KnownHosts kh = new KnownHosts();
        assertThat(kh.check(List.of(f), "[h]:2", KEY).status()).isEqualTo(KnownHosts.Status.UNKNOWN);

        kh.add(f, "[h]:2", KEY);

        assertThat(kh.check(List.of(f), "[h]:2", KEY).status()).isEqualTo(KnownHosts.Status.OK);
        assertThat(Files.readString(f)).isEqualTo(line("[h]:2", KEY) + "\n");
    }

    @Test
    void fingerprintsLikeOpenSsh() {
        assertThat(KnownHosts.fingerprint(KEY)).startsWith("SHA256:").doesNotEndWith("=");
    }

    @Test
    void anAuthorityVouchesOnlyForCertificatesOfTheHostsItIsListedFor(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("kh"), String.join("\n", "@cert-authority *.example.com,!bad.example.com "
                + line("", KEY).strip(), "@cert-authority " + hashed("[db]:2222") + " " + line("", OTHER).strip(),
                "@revoked * " + line("", RSA).strip()) + "\n");
        KnownHosts store = new KnownHosts();

        assertThat(store.authorities(List.of(f), "web.example.com")).extracting(KnownHosts.Entry::line).containsExactly(1);
        assertThat(store.authorities(List.of(f), "bad.example.com")).isEmpty();
        assertThat(store.authorities(List.of(f), "[db]:2222")).extracting(KnownHosts.Entry::line).containsExactly(2);
        assertThat(store.revoked(List.of(f))).extracting(KnownHosts.Entry::line).containsExactly(3);
        // an authority's own key is no host key
        assertThat(check(f, "web.example.com", KEY)).isEqualTo(KnownHosts.Status.UNKNOWN);
    }
}
