package dev.runbook.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Certificates;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Nginx;
import dev.runbook.testing.Postgres;
import dev.runbook.testing.Processes;
import dev.runbook.testing.ServiceControl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack on loopback - PostgreSQL, a Redis stand-in, the content server stand-in (healthy
 * only while PostgreSQL and Redis answer) and nginx proxying TLS to it - each controlled through the
 * inventory's service commands: emergency-recovery, health-check, connection-diagnostics and
 * log-analysis run against it.
 */
class WholeStackIT {
    @TempDir
    static Path dir;
    static Postgres pg;
    static Nginx nginx;
    static Path cert;
    static int contentPort;
    static final Map<String, ServiceControl> SERVICES = new LinkedHashMap<>();
    static StackInventory stack;
    static Path inventory;
    Cli cli;

    @BeforeAll
    static void startTheStack() throws IOException {
        pg = Postgres.start();
        pg.createDatabase("nucleus");
        int redisPort = freePort();
        contentPort = freePort();
        Path ssl = Files.createDirectories(dir.resolve("ssl"));
        cert = ssl.resolve("nucleus.crt");
        Certificates.selfSigned(cert, ssl.resolve("nucleus.key"), "localhost", 365);
        SERVICES.put("postgresql", ServiceControl.postgres(pg));
        SERVICES.put("redis", ServiceControl.standIn(dir, "redis", ServiceControl.redisHealth(redisPort),
                "redis", Integer.toString(redisPort)));
        SERVICES.put("nucleus", ServiceControl.standIn(dir, "nucleus", ServiceControl.httpHealth(contentPort, "/health"),
                "content", Integer.toString(contentPort), Integer.toString(pg.port()), Integer.toString(redisPort)));
        SERVICES.get("redis").run("start");
        SERVICES.get("nucleus").run("start");
        nginx = Nginx.start(dir.resolve("nginx"), cert, ssl.resolve("nucleus.key"), contentPort);
        SERVICES.put("nginx", ServiceControl.nginx(nginx));
        StackInventory inv = new StackInventory().database(pg)
                .var("nucleus_url", "http://127.0.0.1:" + contentPort)
                .var("nucleus_ports", List.of(contentPort, nginx.port()))
                .var("nucleus_log", dir.resolve("nucleus.log").toString())
                .var("tls_host", "localhost").var("tls_port", nginx.port())
                .var("tls_cert", cert.toString()).var("tls_key", ssl.resolve("nucleus.key").toString());
        SERVICES.forEach(inv::service);
        stack = inv;
        inventory = inv.write(dir.resolve("inventory.yaml"));
    }

    @AfterAll
    static void stopTheStack() {
        if (nginx != null) {
            nginx.close();
        }
        for (String standIn : List.of("nucleus", "redis")) {
            if (SERVICES.containsKey(standIn)) {
                SERVICES.get(standIn).run("stop");
            }
        }
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void everyServiceIsHealthy() {
        SERVICES.forEach((name, control) -> {
            if (!control.healthy() && !control.running()) {
                control.run("start");
            }
            assertThat(Processes.eventually(Duration.ofSeconds(30), control::healthy)).as(name + " is healthy").isTrue();
        });
        cli = StackInventory.cli(dir.resolve("cli-" + System.nanoTime()));
        cli = cli.withEnv("NUCLEUS_DB_PASSWORD", pg.password());
    }

    @Test
    void emergencyRecoveryBringsEveryKilledServiceBackInDependencyOrderAndProvesHealth() {
        killAll();
        SERVICES.forEach((name, control) -> assertThat(control.healthy()).as(name + " is down").isFalse());

        Cli.Result r = cli.run("run", "emergency-recovery", "-i", inventory.toString(), "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        SERVICES.forEach((name, control) -> assertThat(control.healthy()).as(name + " is healthy").isTrue());
        List<String> events = stepEvents();
        assertThat(events).containsSubsequence(
                "started restart-postgresql", "finished postgresql-healthy ok",
                "started restart-redis", "finished redis-healthy ok",
                "started restart-nucleus", "finished nucleus-healthy ok",
                "started restart-nginx", "finished nginx-healthy ok",
                "finished health ok", "finished api-status ok");
        assertThat(r.output()).contains("was down: postgresql, redis, nucleus, nginx")
                .contains("restarted: postgresql, redis, nucleus, nginx").contains("down now: nothing")
                .contains("health: HTTP 200");
    }

    @Test
    void emergencyRecoveryRestartsOnlyWhatIsDown() {
        kill(SERVICES.get("nucleus"), pidOf("nucleus"));

        Cli.Result r = cli.run("run", "emergency-recovery", "-i", inventory.toString(), "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(stepEvents()).contains("started restart-nucleus")
                .doesNotContain("started restart-postgresql", "started restart-redis", "started restart-nginx");
        assertThat(r.output()).contains("was down: nucleus").contains("restarted: nucleus");
    }

    @Test
    void whenOnlyPostgresqlDiedTheContentServerThatLostItRecoversWithoutARestart() {
        kill(SERVICES.get("postgresql"), postmasterPid());

        Cli.Result r = cli.run("run", "emergency-recovery", "-i", inventory.toString(), "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(stepEvents()).containsSubsequence("started restart-postgresql", "finished postgresql-healthy ok",
                "finished nucleus-running ok", "finished nucleus-recovers ok", "finished nucleus-healthy ok")
                .doesNotContain("started restart-redis", "started restart-nucleus", "started restart-nginx");
        assertThat(r.output()).contains("was down: postgresql, nucleus").contains("restarted: postgresql\n");
    }

    @Test
    void emergencyRecoveryLeavesAHealthyStackAloneWithoutAsking() {
        Cli.Result r = cli.run("run", "emergency-recovery", "-i", inventory.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(stepEvents()).noneMatch(e -> e.startsWith("started restart-"));
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.asked")).isEmpty();
        assertThat(r.output()).contains("restarted: nothing");
    }

    @Test
    void aGateNotApprovedOnOneHostStopsThatHostWhileAHostWithNothingToRestartProvesItsHealth() {
        // a second host whose PostgreSQL is down: its restarts need approval, and with no terminal they do not get it
        Map<String, Object> services = new LinkedHashMap<>();
        for (String name : SERVICES.keySet()) {
            services.put(name, Map.of("status", name.equals("postgresql") ? "false" : "true", "restart", "exit 9"));
        }
        Path twoHosts = stack.withHost("stack02", Map.of("services", services, "nucleus_url", "http://127.0.0.1:" + contentPort))
                .write(dir.resolve("two-hosts.yaml"));

        Cli.Result r = cli.run("run", "emergency-recovery", "-i", twoHosts.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        List<String> events = hostStepEvents();
        assertThat(events).contains("stack01 finished health ok", "stack01 finished api-status ok", "stack02 gate.denied approve")
                .noneMatch(e -> e.contains("started restart-"));
        assertThat(events.stream().filter(e -> e.startsWith("stack02 started ")).map(e -> e.substring("stack02 started ".length())))
                .as("stack02 stops at its gate, then its finally steps run").containsOnly("before", "to-restart", "after", "summary");
        assertThat(r.output()).contains(StackInventory.HOST + " summary │ health: HTTP 200")
                .contains("stack02 summary │ stack02: was down: postgresql").contains("stack02 summary │ down now: postgresql")
                .contains("stack02 summary │ health: not run: the restarts here were not approved")
                .contains("stack02 summary │ API status: not run: the restarts here were not approved")
                .doesNotContain("FAILED")
                .contains("■ stopped at a gate on stack02 (not approved; exit 3)").contains("hosts: 1 ok, 1 not finished");
    }

    @Test
    void healthCheckJudgesTheStackAndTurnsCriticalWhenTheContentServerIsDown() {
        String[] args = {"run", "health-check", "-i", inventory.toString(),
            "-p", "cpu_warning=100", "-p", "memory_critical=100", "-p", "disk_critical=100"};

        Cli.Result healthy = cli.run(args);

        assertThat(healthy.exitCode()).as(healthy.toString()).isZero();
        assertThat(healthy.output()).contains(StackInventory.HOST + ": OK").contains("content server healthy");

        kill(SERVICES.get("nucleus"), pidOf("nucleus"));
        Cli.Result down = cli.run(args);

        assertThat(down.exitCode()).as(down.toString()).isEqualTo(1);
        assertThat(down.output()).contains(StackInventory.HOST + ": CRITICAL").contains("\"type\":\"SERVICE_DOWN\"")
                .contains("content server down");
    }

    @Test
    void connectionDiagnosticsPassesEveryProbeAndNamesTheClosedPortWhenTheContentServerIsDown() {
        String[] args = {"run", "connection-diagnostics", "-i", inventory.toString(), "-p", "ca_file=" + cert};

        Cli.Result ok = cli.run(args);

        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.output()).contains("ports closed: none").contains("verified, 364 days left");

        kill(SERVICES.get("nucleus"), pidOf("nucleus"));
        Cli.Result down = cli.run(args);

        assertThat(down.exitCode()).as(down.toString()).isEqualTo(1);
        assertThat(down.output()).contains("ports closed: " + contentPort)
                .contains("next: runbook run emergency-recovery");
    }

    @Test
    void logAnalysisCountsWhatTheLogSaysAndWhatListens() throws IOException {
        Files.writeString(dir.resolve("nucleus.log"), """
                2026-11-26 10:00:01 INFO server started on 8080
                2026-11-26 10:00:02 ERROR database: connection refused (127.0.0.1:5432)
                2026-11-26 10:00:03 WARN GET /api/v1/files/42: permission denied for user 7
                2026-11-26 10:00:04 INFO slow query: SELECT * FROM files took 2300 ms
                2026-11-26 10:00:05 ERROR upload of /shots/a.usd failed: timeout after 30s
                2026-11-26 10:00:06 INFO GET /health 200
                """);

        Cli.Result r = cli.run("run", "log-analysis", "-i", inventory.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).contains("errors in the last 100 lines: 2")
                .contains("connection failures: 2, permission denials: 1, slow queries: 1")
                .contains("permission denied for user 7")
                .contains("ports not listening: none")
                .containsPattern("database sessions: \\d");
    }

    /** "HOST started ID", "HOST finished ID OUTCOME" and "HOST gate.denied ID" for every step and denial, in order. */
    private List<String> hostStepEvents() {
        List<String> out = new ArrayList<>();
        for (JsonNode e : AuditLog.events(cli.auditFile())) {
            String where = e.path("host").asText() + " ";
            String step = e.path("step").asText();
            switch (e.path("type").asText()) {
                case "step.started" -> out.add(where + "started " + step);
                case "step.finished" -> out.add(where + "finished " + step + " " + e.path("data").path("outcome").asText());
                case "gate.denied" -> out.add(where + "gate.denied " + step);
                default -> { }
            }
        }
        return out;
    }

    /** "started ID" and "finished ID OUTCOME" for every step event, in order. */
    private List<String> stepEvents() {
        List<String> out = new ArrayList<>();
        for (JsonNode e : AuditLog.events(cli.auditFile())) {
            String step = e.path("step").asText();
            switch (e.path("type").asText()) {
                case "step.started" -> out.add("started " + step);
                case "step.finished" -> out.add("finished " + step + " " + e.path("data").path("outcome").asText());
                default -> { }
            }
        }
        return out;
    }

    private static void killAll() {
        nginx.kill();
        boolean down = Processes.eventually(Duration.ofSeconds(10), () -> !SERVICES.get("nginx").healthy());
        String seen = down ? "" : Processes.exec(List.of("/bin/sh", "-c", "ss -ltnp 2>&1; ps -eo pid,ppid,args | grep [n]ginx")).output();
        assertThat(down).as("nginx killed (pid file %s); listening and nginx processes: %s", nginx.masterPid(), seen).isTrue();
        kill(SERVICES.get("nucleus"), pidOf("nucleus"));
        kill(SERVICES.get("redis"), pidOf("redis"));
        kill(SERVICES.get("postgresql"), postmasterPid());
    }

    /** SIGKILL to a service's main process and every process below it, as a crash. */
    private static void kill(ServiceControl control, long pid) {
        ProcessHandle.of(pid).ifPresent(Processes::crash);
        assertThat(Processes.eventually(Duration.ofSeconds(10), () -> !control.healthy())).as("killed").isTrue();
    }

    private static long pidOf(String standIn) {
        try {
            return Long.parseLong(Files.readString(dir.resolve(standIn + ".pid")).strip());
        } catch (IOException e) {
            throw new AssertionError("no pid file for " + standIn, e);
        }
    }

    private static long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(pg.dataDir().resolve("postmaster.pid")).get(0).strip());
        } catch (IOException e) {
            throw new AssertionError("no postmaster.pid", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
