package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.WsServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebSocketStepTest {
    @TempDir
    Path dir;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(dir);
        h.env.put("SYNC_TOKEN", "tok-canary-5150");
    }

    private String runbook(String url, String timeout) {
        return """
                secrets:
                  token: env:SYNC_TOKEN
                steps:
                  - id: sync
                    websocket:
                      url: "%s"
                      headers: {Authorization: "Bearer {{ secrets.token }}"}
                      send: [{type: ping}]
                      expect: {json: {type: heartbeat}}
                      timeout: %s
                    on_failure: continue
                  - id: verdict
                    run: >-
                      echo "{{ !steps.sync.connected ? 'cannot connect'
                             : steps.sync.message_count == 0 ? 'connected but silent'
                             : !steps.sync.matched ? 'no heartbeat' : 'healthy' }}"
                """.formatted(url, timeout);
    }

    @Test
    void aHealthyServerAnswersThePingAndSendsAHeartbeat() throws Exception {
        try (WsServer server = new WsServer(WsServer.heartbeat(200), 0)) {
            RunOutcome o = h.run(runbook(server.url("/ws/sync"), "5s"));
            assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
            assertThat(h.output).containsExactly("verdict: healthy");
            assertThat(server.requests.get(0)).containsEntry("authorization", "Bearer tok-canary-5150");
            assertThat(server.received).containsExactly("{\"type\":\"ping\"}");
            Map<String, Object> sync = h.finished("sync").data();
            assertThat(sync).containsEntry("outcome", "ok");
        }
    }

    @Test
    void aServerThatAcceptsButStaysSilentIsToldApartWithinTheDeadline() throws Exception {
        try (WsServer server = new WsServer(WsServer.silent(), 0)) {
            h.run(runbook(server.url("/ws/sync"), "700ms"));
            assertThat(h.output).containsExactly("verdict: connected but silent");
            assertThat(h.finished("sync").data().get("message")).asString().contains("no message within 700 ms");
            assertThat((Long) h.finished("sync").data().get("duration_ms")).isLessThan(5_000L);
        }
    }

    @Test
    void aServerWithoutHeartbeatsIsNotHealthy() throws Exception {
        WsServer.Behaviour welcomeOnly = c -> c.send("{\"type\":\"welcome\"}");
        try (WsServer server = new WsServer(welcomeOnly, 0)) {
            h.run(runbook(server.url("/ws/sync"), "1500ms"));
            assertThat(h.output).as("%s", h.finished("sync").data()).containsExactly("verdict: no heartbeat");
        }
    }

    @Test
    void aRefusedConnectionOrHandshakeIsCannotConnect() throws Exception {
        h.run(runbook("ws://127.0.0.1:1/ws/sync", "2s"));
        assertThat(h.output).containsExactly("verdict: cannot connect");
        try (WsServer server = new WsServer(WsServer.silent(), 403)) {
            h.output.clear();
            h.run(runbook(server.url("/ws/sync"), "2s"));
            assertThat(h.output).containsExactly("verdict: cannot connect");
            assertThat(h.finished("sync").data().get("message")).asString().contains("403");
        }
    }

    @Test
    void theTokenNeverAppearsInEventsOrOutput() throws Exception {
        try (WsServer server = new WsServer(c -> c.send("{\"type\":\"heartbeat\",\"echo\":\"" + c.headers.get("authorization") + "\"}"), 0)) {
            h.run(runbook(server.url("/ws/sync"), "5s"));
            assertThat(h.events.toString() + h.output).doesNotContain("tok-canary-5150");
            assertThat(java.nio.file.Files.readString(dir.resolve("state/audit.jsonl"))).doesNotContain("tok-canary-5150");
            assertThat(h.ofType("step.started").get(0).data().get("command")).asString().contains("Bearer ****");
            assertThat(List.of(h.outcome("sync"))).containsExactly("ok");
        }
    }
}
