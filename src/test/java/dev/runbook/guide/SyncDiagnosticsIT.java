package dev.runbook.guide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import dev.runbook.testing.ContentServer;
import dev.runbook.testing.SyncServer.Mode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sync-diagnostics} end to end against the stand-in's {@code /ws/sync}, in each of the
 * guide's failure modes: the verdict is the right one, and the checks of the guide's three fixes
 * report what is on the host.
 */
class SyncDiagnosticsIT {
    @TempDir
    Path dir;
    GuideHome home;
    ContentServer server;

    @BeforeEach
    void setUp() throws Exception {
        home = new GuideHome(dir);
        server = new ContentServer(home.token);
        home.serving(server)
                .file("nginx_site_config", "nginx/nucleus", GuideHome.nginxSite(true))
                .file("nucleus_config", "nucleus-config.yaml", GuideHome.nucleusConfig(true, server.sync.port(), 1));
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void aHealthyServerAnswersThePingWithAHeartbeatAndTheRunSucceeds() {
        Cli.Result r = home.run("sync-diagnostics", "-p", "heartbeat_wait=5s");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("verdict: healthy")
                .contains("nginx/nucleus passes the upgrade through (proxy_read_timeout 86400s)")
                .contains("port " + server.sync.port() + ": listening on nucleus-test")
                .contains("websocket enabled in " + dir.resolve("nucleus-config.yaml"));
        assertThat(server.sync.handshakes).hasSize(1);
        assertThat(server.sync.handshakes.get(0)).containsEntry("authorization", "Bearer " + home.token);
        assertThat(server.sync.received).containsExactly("{\"type\":\"ping\"}");
    }

    @Test
    void aServerThatIsNotListeningIsCannotConnectWithThePortFoundClosed() throws Exception {
        server.sync.mode(Mode.REFUSED);

        Cli.Result r = home.run("sync-diagnostics", "-p", "heartbeat_wait=5s");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: cannot connect to " + server.sync.url() + ": connection to 127.0.0.1:"
                        + server.sync.port() + " refused")
                .contains("port " + server.sync.port() + ": nothing listens on nucleus-test")
                .contains("real-time sync on nucleus-test: cannot connect");
    }

    @Test
    void aServerThatNeverAnswersTheHandshakeEndsWithinTheWaitAsCannotConnect() throws Exception {
        server.sync.mode(Mode.HANG);
        long start = System.nanoTime();

        Cli.Result r = home.cli().withTimeout(Duration.ofSeconds(40)).run(home.runArgs("sync-diagnostics", "-p", "heartbeat_wait=5s"));

        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(seconds).as("a probe bounded by 5 s, plus start-up and the checks").isLessThan(30);
        assertThat(r.stdout()).contains("verdict: cannot connect to " + server.sync.url())
                .contains("within 5000 ms")
                .contains("port " + server.sync.port() + ": listening on nucleus-test (so something between");
        assertThat(server.sync.handshakes).hasSize(1);
    }

    @Test
    void aServerThatAcceptsAndSaysNothingIsConnectedButSilentWithinTheWait() throws Exception {
        server.sync.mode(Mode.SILENT);
        home.file("nucleus_config", "nucleus-config.yaml", GuideHome.nucleusConfig(false, server.sync.port(), 30));
        long start = System.nanoTime();

        Cli.Result r = home.cli().withTimeout(Duration.ofSeconds(40)).run(home.runArgs("sync-diagnostics", "-p", "heartbeat_wait=5s"));

        assertThat((System.nanoTime() - start) / 1_000_000_000L).isLessThan(30);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("verdict: connected but silent: the server accepted the connection and the ping, and sent nothing within 5s")
                .contains("websocket is not enabled in " + dir.resolve("nucleus-config.yaml") + ": set websocket: enabled: true");
        assertThat(server.sync.received).containsExactly("{\"type\":\"ping\"}");
    }

    @Test
    void aServerThatTalksButNeverBeatsHasNoHeartbeatAndTheGuidesIntervalIsPointedOut() throws Exception {
        server.sync.mode(Mode.NO_HEARTBEAT).heartbeatEvery(200);
        home.file("nucleus_config", "nucleus-config.yaml", GuideHome.nucleusConfig(true, server.sync.port(), 30));

        Cli.Result r = home.run("sync-diagnostics", "-p", "heartbeat_wait=5s");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).containsPattern("verdict: no heartbeat: \\d+ message\\(s\\) \\(welcome, pong, update\\) but no heartbeat within 5s")
                .contains("the server beats every 30 s, longer than this wait: run again with -p heartbeat_wait=60s");
    }

    @Test
    void aRefusedTokenIsCannotConnectAndSaysSo() {
        Cli.Result r = home.cli().withEnv("NUCLEUS_TOKEN", "not-the-token").run(home.runArgs("sync-diagnostics", "-p", "heartbeat_wait=5s"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("handshake refused: HTTP 401").contains("the server refused the token: check NUCLEUS_TOKEN");
    }

    @Test
    void missingUpgradeHeadersInTheNginxConfigAreNamed() {
        home.file("nginx_site_config", "nginx/nucleus", GuideHome.nginxSite(false));

        Cli.Result r = home.run("sync-diagnostics", "-p", "heartbeat_wait=5s");

        assertThat(r.stdout()).contains("lacks proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
                + "proxy_set_header Connection \"upgrade\"; in its location /ws/ block (then nginx -t and reload)");
    }

    @Test
    void withoutAnyConfigOnTheHostTheChecksSaySoInsteadOfGuessing() {
        home.var("nginx_site_config", dir.resolve("absent/nucleus").toString())
                .var("nucleus_config", dir.resolve("absent/nucleus-config.yaml").toString());

        Cli.Result r = home.run("sync-diagnostics", "-p", "heartbeat_wait=5s");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("- nginx: no site config at " + dir.resolve("absent/nucleus"))
                .contains("- server config: not found at " + dir.resolve("absent/nucleus-config.yaml"));
    }

    @Test
    void theSyncUrlIsDerivedFromTheApiUrlAsTheGuideDoes() {
        home.hostVars.remove("nucleus_ws_url");

        Cli.Result r = home.run("sync-diagnostics", "-p", "heartbeat_wait=5s");

        // the API's port answers HTTP, not WebSocket: what matters is where the probe went
        assertThat(r.stdout()).contains("WEBSOCKET ws://127.0.0.1:" + server.apiPort() + "/ws/sync");
    }
}
