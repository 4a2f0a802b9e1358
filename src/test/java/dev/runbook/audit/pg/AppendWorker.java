package dev.runbook.audit.pg;

import dev.runbook.audit.AuditEvent;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Appends whole runs to the PostgreSQL store as fast as it can, from a process of its own:
 * {@code URL PASSWORD SPOOL_DIR RUN_PREFIX RUNS STEPS}. Prints {@code appended N} when done;
 * with STEPS negative, appends one run forever (for tests that kill it).
 */
public final class AppendWorker {
    private AppendWorker() {}

    public static void main(String[] args) throws Exception {
        String password = args[1];
        PgSettings s = new PgSettings(args[0], "postgres", () -> password, "runbook", Duration.ofSeconds(5));
        int runs = Integer.parseInt(args[4]);
        int steps = Integer.parseInt(args[5]);
        long n = 0;
        try (PgAuditSink sink = new PgAuditSink(s, Path.of(args[2]), m -> System.err.println("notice: " + m))) {
            if (steps < 0) {
                String run = args[3] + "-forever";
                for (long seq = 1; ; seq++) {
                    AuditEvent e = PgTesting.event(run, seq, seq % 2 == 0 ? "step.started" : "step.finished", "forever", java.util.Map.of());
                    sink.append(e, PgTesting.durable(e));
                    System.out.println("appended " + seq);
                    System.out.flush();
                    Thread.sleep(5);
                }
            }
            for (int r = 0; r < runs; r++) {
                for (AuditEvent e : PgTesting.run(args[3] + "-" + r, "load-" + (r % 3), steps)) {
                    sink.append(e, PgTesting.durable(e));
                    n++;
                }
            }
        }
        System.out.println("appended " + n);
    }
}
