package dev.runbook.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import dev.runbook.testing.ContentServer;
import dev.runbook.testing.IsolatedCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upload-diagnostics} end to end: uploads to the stand-in (fast, throttled under 1 MB/s,
 * refused as too large), the report of nginx's and the kernel's settings, and {@code apply}
 * against a real nginx. The apply runs happen in a network namespace of their own: the kernel
 * there refuses the global {@code net.core} buffers (as containers do) and keeps the
 * {@code net.ipv4.tcp_*} ones to itself, so nothing outside the test changes.
 */
class UploadDiagnosticsIT {
    private static final long GUIDE_BUFFER = 134217728;
    private static final String HTTP_SETTINGS = "    client_max_body_size 1m;\n    client_body_timeout 300s;\n";

    @TempDir
    Path dir;
    GuideHome home;
    ContentServer server;

    @BeforeEach
    void setUp() throws Exception {
        home = new GuideHome(dir);
        server = new ContentServer(home.token);
        home.serving(server)
                .file("nginx_config", "nginx/nginx.conf", "events {}\nhttp {\n" + HTTP_SETTINGS + "    include site.conf;\n}\n")
                .file("nginx_site_config", "nginx/site.conf", "server {\n    client_max_body_size 100m;\n}\n")
                .var("sysctl_conf", dir.resolve("sysctl.d/90-nucleus-upload.conf").toString())
                .var("config_backup_dir", dir.resolve("backups").toString());
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void aFastUploadIsMeasuredAndTheSettingsAreReportedWithoutChangingThem() throws Exception {
        String before = Files.readString(dir.resolve("nginx/nginx.conf"));

        Cli.Result r = home.run("upload-diagnostics", "-p", "size_mb=4");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).containsPattern("verdict: ok: [0-9.]+ MB/s for 4 MiB in [0-9.]+ s")
                .contains("- nginx client_max_body_size: 1m in " + dir.resolve("nginx/nginx.conf") + ":3, 100m in "
                        + dir.resolve("nginx/site.conf") + ":2; the guide: 10G <- below")
                .contains("- nginx client_body_timeout: 300s in " + dir.resolve("nginx/nginx.conf") + ":4; the guide: 300s\n")
                .contains("- nginx client_header_timeout: 60s (not set: the default); the guide: 300s <- below")
                .containsPattern("- kernel net.core.rmem_max: \\d+; the guide: 134217728")
                .containsPattern("- kernel net.ipv4.tcp_wmem: \\d+ \\d+ \\d+; the guide: 4096 65536 134217728");
        assertThat(server.uploads).hasSize(1);
        assertThat(server.uploads.get(0)).isGreaterThan(4L * 1024 * 1024);
        assertThat(Files.readString(dir.resolve("nginx/nginx.conf"))).isEqualTo(before);
        assertThat(dir.resolve("backups")).doesNotExist();
        assertThat(r.stdout()).doesNotContain("apply-nginx: started").doesNotContain("apply-kernel: started");
        assertThat(testFiles()).as("the test file is removed").isEmpty();
    }

    @Test
    void anUploadThrottledUnderOneMegabyteASecondIsSlow() {
        server.uploadRate(300 * 1024);

        Cli.Result r = home.run("upload-diagnostics", "-p", "size_mb=1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).containsPattern("verdict: slow: 0\\.[0-9]+ MB/s for 1 MiB in [0-9.]+ s, under 1 MB/s")
                .contains("upload to nucleus-test: slow");
    }

    @Test
    void anUploadRefusedAsTooLargePointsAtTheBodySizeLimit() {
        server.maxUpload(512 * 1024);

        Cli.Result r = home.run("upload-diagnostics", "-p", "size_mb=1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: upload failed: HTTP 413")
                .contains("over a size limit: client_max_body_size");
    }

    @Test
    void anUnreachableApiIsAVerdictAndNothingIsUploaded() {
        server.stopApi();

        Cli.Result r = home.run("upload-diagnostics", "-p", "size_mb=1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: upload failed: the API did not answer GET /api/v1/status: connection to 127.0.0.1:"
                + server.apiPort() + " refused");
        assertThat(testFiles()).isEmpty();
    }

    @Test
    void applyRaisesNginxsSettingsTestsAndReloadsAndReportsTheKernelsRefusalWithoutPretending() throws Exception {
        requireIsolationAndNginx();
        long rmemBefore = kernel("net/core/rmem_max");
        // the refusal is what this test proves: a kernel already at the guide's value has nothing to refuse
        assertThat(rmemBefore).as("this test needs net.core.rmem_max below the guide's %d", GUIDE_BUFFER).isLessThan(GUIDE_BUFFER);
        String tcpRmemBefore = proc("net/ipv4/tcp_rmem");
        try (TestNginx nginx = new TestNginx(dir.resolve("nginx-live"), HTTP_SETTINGS, "")) {
            useNginx(nginx);
            assertThat(nginx.postStatus(2 << 20)).as("nginx enforces its 1m limit before").isEqualTo(413);
            long pid = nginx.pid();

            Cli.Result r = isolated("-p", "size_mb=1", "-p", "apply=true", "--yes");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            String out = r.stdout() + r.stderr();
            assertThat(out).contains(nginx.conf + ":6: client_max_body_size 1m -> 10G")
                    .contains(nginx.conf + ": added client_header_timeout 300s to the http block")
                    .contains("nginx -t passed")
                    .contains("✓ nucleus-test reload-nginx") // the run also has a localhost step: lines name their host
                    .contains("the kernel refused net.core.rmem_max = 134217728 (it stays " + rmemBefore + ")")
                    .contains("nothing was persisted in " + dir.resolve("sysctl.d/90-nucleus-upload.conf"))
                    .contains("✗ nucleus-test apply-kernel");
            assertThat(Files.readString(nginx.conf)).contains("client_max_body_size 10G;").contains("client_header_timeout 300s;")
                    .contains("client_body_buffer_size 1M;").contains("client_body_timeout 300s;");
            assertThat(nginx.postStatus(2 << 20)).as("the reloaded nginx takes a 2 MiB body").isEqualTo(200);
            assertThat(nginx.pid()).as("reloaded, not restarted").isEqualTo(pid);
            try (Stream<Path> backups = Files.walk(dir.resolve("backups"))) {
                assertThat(backups.filter(p -> p.getFileName().toString().endsWith("nginx.conf")))
                        .singleElement().satisfies(p -> assertThat(Files.readString(p)).contains("client_max_body_size 1m;"));
            }
        }
        assertThat(dir.resolve("sysctl.d")).doesNotExist();
        assertThat(kernel("net/core/rmem_max")).as("outside the namespace nothing changed").isEqualTo(rmemBefore);
        assertThat(proc("net/ipv4/tcp_rmem")).isEqualTo(tcpRmemBefore);
    }

    @Test
    void aConfigThatFailsNginxTestAlreadyIsLeftAloneAndNothingIsApplied() throws Exception {
        requireIsolationAndNginx();
        try (TestNginx nginx = new TestNginx(dir.resolve("nginx-live"), HTTP_SETTINGS, "")) {
            useNginx(nginx);
            String broken = Files.readString(nginx.site).replace("    location /", "    bogus_directive on;\n    location /");
            Files.writeString(nginx.site, broken);
            String conf = Files.readString(nginx.conf);

            Cli.Result r = isolated("-p", "size_mb=1", "-p", "apply=true", "--yes");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stdout() + r.stderr()).contains("nginx -t fails already, before any change: fix that first; nothing was changed")
                    .doesNotContain("reload-nginx: started").doesNotContain("apply-kernel: started");
            assertThat(Files.readString(nginx.site)).isEqualTo(broken);
            assertThat(Files.readString(nginx.conf)).isEqualTo(conf);
            assertThat(nginx.postStatus(2 << 20)).isEqualTo(413);
        }
    }

    @Test
    void whenTheNewSettingsFailNginxTestTheOldConfigIsPutBackAndNginxIsNotReloaded() throws Exception {
        requireIsolationAndNginx();
        try (TestNginx nginx = new TestNginx(dir.resolve("nginx-live"), HTTP_SETTINGS, "")) {
            useNginx(nginx);
            // client_body_buffer_size set in a file the runbook does not read: adding it to the http
            // block makes it a duplicate there, which nginx -t refuses
            Files.writeString(nginx.prefix.resolve("buffers.conf"), "client_body_buffer_size 64k;\n");
            String conf = Files.readString(nginx.conf).replace("    include ", "    include " + nginx.prefix.resolve("buffers.conf") + ";\n    include ");
            Files.writeString(nginx.conf, conf);
            String site = Files.readString(nginx.site);

            Cli.Result r = isolated("-p", "size_mb=1", "-p", "apply=true", "--yes");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stdout() + r.stderr()).contains("added client_body_buffer_size 1M to the http block")
                    .contains("\"client_body_buffer_size\" directive is duplicate")
                    .contains("nginx -t failed with the new settings: the old config is back in place and nginx was not reloaded")
                    .doesNotContain("reload-nginx: started").doesNotContain("apply-kernel: started");
            assertThat(Files.readString(nginx.conf)).isEqualTo(conf);
            assertThat(Files.readString(nginx.site)).isEqualTo(site);
            assertThat(nginx.postStatus(2 << 20)).as("still the old 1m limit").isEqualTo(413);
        }
    }

    @Test
    void applyWithoutApprovalChangesNothing() throws Exception {
        assertThat(IsolatedCli.available()).as("unshare --net (util-linux, as root; .ci/run installs it)").isTrue();
        String before = Files.readString(dir.resolve("nginx/nginx.conf"));

        Cli.Result r = isolated("-p", "size_mb=1", "-p", "apply=true");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(Files.readString(dir.resolve("nginx/nginx.conf"))).isEqualTo(before);
        assertThat(dir.resolve("backups")).doesNotExist();
        assertThat(r.stdout()).doesNotContain("apply-nginx: started").doesNotContain("apply-kernel: started");
    }

    private static void requireIsolationAndNginx() {
        assertThat(IsolatedCli.available()).as("unshare --net (util-linux, as root; .ci/run installs it)").isTrue();
        assertThat(TestNginx.available()).as("nginx (.ci/run installs it)").isTrue();
    }

    private void useNginx(TestNginx nginx) {
        home.var("nginx_config", nginx.conf.toString())
                .var("nginx_site_config", nginx.site.toString())
                .var("services", Map.of("nginx", Map.of("test_config", nginx.command("-t", "-q"), "reload", nginx.command("-s", "reload"))));
    }

    private Cli.Result isolated(String... args) {
        return IsolatedCli.run(dir, Map.of("NUCLEUS_TOKEN", home.token), Duration.ofSeconds(90), home.runArgs("upload-diagnostics", args));
    }

    private static long kernel(String path) throws Exception {
        return Long.parseLong(proc(path));
    }

    /** A sysctl file in one read: /proc/sys answers end of file to a read that does not start at 0. */
    private static String proc(String path) throws Exception {
        try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/sys", path))) {
            return new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.US_ASCII).strip();
        }
    }

    private static java.util.List<Path> testFiles() {
        String tmp = System.getenv("TMPDIR");   // where the runbook's mktemp puts it
        try (Stream<Path> s = Files.list(Path.of(tmp == null || tmp.isEmpty() ? "/tmp" : tmp))) {
            return s.filter(p -> p.getFileName().toString().startsWith("runbook-upload.")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
