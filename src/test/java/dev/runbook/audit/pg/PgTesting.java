package dev.runbook.audit.pg;

import dev.runbook.audit.AuditEvent;
import dev.runbook.testing.Postgres;
import dev.runbook.testing.Processes;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Databases, settings, events and worker processes for the PostgreSQL audit store's tests. */
final class PgTesting {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private PgTesting() {}

    /** A new, empty database on {@code pg}. */
    static String freshDatabase(Postgres pg) {
        String name = "audit_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        pg.createDatabase(name);
        return name;
    }

    /**
     * Runs SQL as the superuser with the audit tables' append-only triggers switched off for the
     * session, as only a superuser can (or the owner, by disabling them): how these tests age stored
     * events or tamper with them, to show that verify still finds it.
     */
    static void bypassingTriggers(Postgres pg, String db, String sql) {
        pg.execute(db, "SET session_replication_role = replica; " + sql);
    }

    static PgSettings settings(Postgres pg, String db) {
        String password = pg.password();
        return new PgSettings(pg.jdbcUrl(db), Postgres.SUPERUSER, () -> password, "runbook", Duration.ofSeconds(5));
    }

    static AuditEvent event(String runId, long seq, String type, String runbook, Map<String, Object> data) {
        return new AuditEvent(AuditEvent.VERSION, runId, seq, Instant.now().toString(), type,
                new AuditEvent.RunbookRef(runbook, "/srv/runbooks/" + runbook + ".yaml", "ab".repeat(32)),
                type.startsWith("step") ? "localhost" : null, type.startsWith("step") ? "step-" + seq : null,
                new AuditEvent.Actor("tester", "flag"), data, null, null);
    }

    /** A whole run as the engine would record it: started, each step started and finished, finished. */
    static List<AuditEvent> run(String runId, String runbook, int steps) {
        List<AuditEvent> out = new ArrayList<>();
        long seq = 0;
        out.add(event(runId, ++seq, "run.started", runbook, Map.of("targets", List.of("localhost"), "trigger", "cli")));
        for (int i = 0; i < steps; i++) {
            Map<String, Object> cmd = new LinkedHashMap<>();
            cmd.put("command", "echo 'step " + i + "' \"quoted\" \\ ünïcödé");
            out.add(event(runId, ++seq, "step.started", runbook, cmd));
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("outcome", "ok");
            done.put("exit_code", 0);
            done.put("duration_ms", 12L + i);
            done.put("ratio", 0.25 * i);
            out.add(event(runId, ++seq, "step.finished", runbook, done));
        }
        out.add(event(runId, ++seq, "run.finished", runbook, Map.of("status", "succeeded", "duration_ms", 1234)));
        return out;
    }

    /** Whether the event must be durable, as the engine asks: starts and ends. */
    static boolean durable(AuditEvent e) {
        return e.type().equals("step.started") || e.type().startsWith("run.");
    }

    /** {@code java} running {@code main} with the test classpath, so workers can use test classes. */
    static List<String> java(Class<?> main, String... args) {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData", "-cp",
                List.of(cp.split(File.pathSeparator)).stream().filter(e -> !e.isBlank()).collect(Collectors.joining(File.pathSeparator)),
                main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static ProcessBuilder worker(Class<?> main, Map<String, String> env, String... args) {
        ProcessBuilder pb = new ProcessBuilder(java(main, args));
        pb.environment().keySet().removeIf(k -> k.startsWith("RUNBOOK_"));
        pb.environment().putAll(env);
        return pb;
    }

    /** Kills a worker with SIGKILL, and the step processes it started (only those, by their ids). */
    static void killTree(Process p) {
        Processes.crash(p.toHandle());
    }

    static String await(Process p, Duration within) throws Exception {
        if (!p.waitFor(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("worker did not finish within " + within);
        }
        return new String(p.getInputStream().readAllBytes()) + new String(p.getErrorStream().readAllBytes());
    }
}
