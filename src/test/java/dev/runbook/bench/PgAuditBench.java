package dev.runbook.bench;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.JsonlAuditTrail;
import dev.runbook.audit.pg.PgAuditSink;
import dev.runbook.audit.pg.PgSettings;
import dev.runbook.testing.Postgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Events per second into the PostgreSQL audit store: batched by the background writer (group
 * commit), against one transaction per event (every append durable), against the JSONL file.
 *
 * <pre>
 * java -cp CLASSPATH dev.runbook.bench.PgAuditBench [EVENTS] [ROUNDS]
 * </pre>
 *
 * PostgreSQL is the test fixture's (system binaries, fsync off) unless RUNBOOK_BENCH_PG_URL and
 * RUNBOOK_BENCH_PG_PASSWORD name another (user postgres). Prints one line per measurement.
 */
public final class PgAuditBench {
    private PgAuditBench() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String url = System.getenv("RUNBOOK_BENCH_PG_URL");
        Postgres fixture = null;
        String password;
        String base;
        if (url == null) {
            fixture = Postgres.start();
            password = fixture.password();
            base = fixture.jdbcUrl("");
        } else {
            password = System.getenv("RUNBOOK_BENCH_PG_PASSWORD");
            base = url.endsWith("/") ? url : url + "/";
        }
        try {
            Path dir = Files.createTempDirectory("pg-bench-");
            for (int round = 1; round <= rounds; round++) {
                report("batched (group commit), all appends non-durable", events,
                        time(base, password, dir, "b" + round, sink -> append(sink, events, e -> false)));
                int mixed = Math.min(events, 10_000);
                report("batched, engine pattern (step.started and run.* durable)", mixed,
                        time(base, password, dir, "m" + round, sink -> append(sink, mixed, PgAuditBench::engineDurable)));
                int single = Math.min(events, 5_000);
                report("one transaction per event (every append durable)", single,
                        time(base, password, dir, "s" + round, sink -> append(sink, single, e -> true)));
                Path file = dir.resolve("audit-" + round + ".jsonl");
                int inFile = Math.min(events, 10_000);
                long t0 = System.nanoTime();
                try (JsonlAuditTrail trail = new JsonlAuditTrail(file)) {
                    for (AuditEvent e : events(inFile)) {
                        trail.append(e, engineDurable(e));
                    }
                }
                report("JSONL file, engine pattern (fsync when durable)", inFile, System.nanoTime() - t0);
            }
        } finally {
            if (fixture != null) {
                fixture.close();
            }
        }
    }

    interface Work {
        void run(PgAuditSink sink) throws Exception;
    }

    private static long time(String base, String password, Path dir, String db, Work work) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", password);
        try (Connection c = DriverManager.getConnection(base + "postgres", p)) {
            c.createStatement().execute("DROP DATABASE IF EXISTS bench_" + db);
            c.createStatement().execute("CREATE DATABASE bench_" + db);
        }
        PgSettings s = new PgSettings(base + "bench_" + db, "postgres", () -> password, "runbook", Duration.ofSeconds(5));
        Consumer<String> notices = m -> System.err.println("notice: " + m);
        try (PgAuditSink warm = new PgAuditSink(s, dir.resolve("spool"), notices)) {
            warm.append(events(1).get(0), true);  // schema, partitions, connection: not what is measured
        }
        long t0 = System.nanoTime();
        try (PgAuditSink sink = new PgAuditSink(s, dir.resolve("spool"), notices)) {
            work.run(sink);
        }
        return System.nanoTime() - t0;
    }

    private static void append(PgAuditSink sink, int n, java.util.function.Predicate<AuditEvent> durable) {
        for (AuditEvent e : events(n)) {
            sink.append(e, durable.test(e));
        }
    }

    static boolean engineDurable(AuditEvent e) {
        return e.type().equals("step.started") || e.type().startsWith("run.");
    }

    private static void report(String what, int n, long nanos) {
        System.out.printf("%-60s %8d events %9.3f s %10.0f events/s%n", what, n, nanos / 1e9, n / (nanos / 1e9));
    }

    /** Runs of 100 steps: started, condition, step started/finished per step, finished. */
    public static List<AuditEvent> events(int n) {
        List<AuditEvent> out = new ArrayList<>(n);
        String run = null;
        long seq = 0;
        for (int i = 0; i < n; i++) {
            if (i % 202 == 0) {
                run = "bench-" + System.nanoTime();
                seq = 0;
            }
            long s = ++seq;
            String type = s == 1 ? "run.started" : s == 202 ? "run.finished" : s % 2 == 0 ? "step.started" : "step.finished";
            Map<String, Object> data = new LinkedHashMap<>();
            if (type.equals("step.started")) {
                data.put("command", "systemctl restart nucleus-" + s);
            } else {
                data.put("outcome", "ok");
                data.put("exit_code", 0);
                data.put("duration_ms", 10 + s);
            }
            out.add(new AuditEvent(AuditEvent.VERSION, run, s, Instant.now().toString(), type,
                    new AuditEvent.RunbookRef("bench", "/srv/runbooks/bench.yaml", "ab".repeat(32)),
                    type.startsWith("step") ? "localhost" : null, type.startsWith("step") ? "step-" + s : null,
                    new AuditEvent.Actor("bench", "flag"), data, null, null));
        }
        return out;
    }
}
