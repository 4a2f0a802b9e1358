package dev.runbook.bench;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditSink;
import dev.runbook.audit.JsonlAuditTrail;
import dev.runbook.audit.pg.PgAuditStore;
import dev.runbook.audit.pg.PgSettings;
import dev.runbook.engine.Engine;
import dev.runbook.engine.EngineServices;
import dev.runbook.engine.FileRunLocks;
import dev.runbook.engine.Gate;
import dev.runbook.engine.Hosts;
import dev.runbook.engine.RunControl;
import dev.runbook.engine.RunListener;
import dev.runbook.engine.RunLocks;
import dev.runbook.engine.RunRequest;
import dev.runbook.exec.HttpRunner;
import dev.runbook.exec.LocalRunner;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.RunbookPaths;
import dev.runbook.model.Runbook;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The time a step costs with each audit store, in one warm JVM: a runbook of STEPS {@code /bin/true}
 * steps run ROUNDS times with the JSONL file and with PostgreSQL, alternately, each with its run lock
 * and every event as the engine writes it. Prints the median and best run of each, and the
 * difference per step.
 *
 * <pre>
 * RUNBOOK_BENCH_PG_URL=jdbc:postgresql://HOST:PORT/DB RUNBOOK_BENCH_PG_PASSWORD=... \
 *   java -cp CLASSPATH dev.runbook.bench.PgStepBench [STEPS] [ROUNDS]
 * </pre>
 */
public final class PgStepBench {
    private PgStepBench() {}

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        String password = System.getenv("RUNBOOK_BENCH_PG_PASSWORD");
        PgSettings pg = new PgSettings(System.getenv("RUNBOOK_BENCH_PG_URL"), "postgres", () -> password, "runbook", Duration.ofSeconds(5));
        Path dir = Files.createTempDirectory("pg-step-bench-");
        StringBuilder yaml = new StringBuilder("name: local-" + steps + "\nsteps:\n");
        for (int i = 1; i <= steps; i++) {
            yaml.append("  - id: step-").append(i).append("\n    run: /bin/true\n");
        }
        Path file = Files.writeString(dir.resolve("local.yaml"), yaml.toString());
        RunbookLoader loader = new RunbookLoader(new RunbookPaths(dir, null));
        Runbook rb = loader.require(file);
        LocalRunner local = new LocalRunner(Files.createDirectories(dir.resolve("tmp")));
        PgAuditStore store = new PgAuditStore(pg, dir.resolve("spool"), m -> System.err.println("notice: " + m));
        List<Long> fileTimes = new ArrayList<>();
        List<Long> pgTimes = new ArrayList<>();
        for (int round = -3; round < rounds; round++) {  // three rounds of warm-up
            long f = run(rb, loader, local, dir, new JsonlAuditTrail(dir.resolve("audit.jsonl")), new FileRunLocks(dir.resolve("locks")));
            long p = run(rb, loader, local, dir, store.sink(), store.locks(new FileRunLocks(dir.resolve("locks"))));
            if (round >= 0) {
                fileTimes.add(f);
                pgTimes.add(p);
            }
        }
        long fm = median(fileTimes);
        long pm = median(pgTimes);
        System.out.printf("%d steps, %d rounds: file median %.1f ms (best %.1f), postgres median %.1f ms (best %.1f);"
                + " postgres adds %.2f ms per step (medians), %.2f ms (bests)%n", steps, rounds, fm / 1e6,
                Collections.min(fileTimes) / 1e6, pm / 1e6, Collections.min(pgTimes) / 1e6, (pm - fm) / 1e6 / steps,
                (Collections.min(pgTimes) - Collections.min(fileTimes)) / 1e6 / steps);
    }

    private static long run(Runbook rb, RunbookLoader loader, LocalRunner local, Path dir, AuditSink audit, RunLocks locks) {
        long t0 = System.nanoTime();
        try (audit) {
            EngineServices services = new EngineServices(t -> local, Hosts.LOCAL_ONLY, new HttpRunner(), null,
                    r -> Gate.Decision.approve("bench", "flag"), audit, locks, loader, Map.of(), dir.resolve("tmp"));
            new Engine(services).run(new RunRequest(rb, Map.of(), null, null, false, false,
                    new AuditEvent.Actor("bench", "flag"), null, "bench"), RunListener.NONE, new RunControl());
        }
        return System.nanoTime() - t0;
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
