package dev.runbook.audit.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.ChainReport;
import dev.runbook.audit.History;
import dev.runbook.testing.Postgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several processes write to one PostgreSQL at once: every event is stored once and the one chain verifies. */
class ConcurrentWritersIT {
    static final Postgres PG = Postgres.shared();

    @TempDir
    Path dir;

    @Test
    void severalProcessesAppendingAtOnceLeaveOneIntactChain() throws Exception {
        String db = PgTesting.freshDatabase(PG);
        int workers = 4;
        int runs = 5;
        int steps = 100;
        List<Process> procs = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            // each worker its own state directory, as if on its own machine
            procs.add(PgTesting.worker(AppendWorker.class, Map.of(), PG.jdbcUrl(db), PG.password(),
                    dir.resolve("machine-" + w + "/spool").toString(), "w" + w, String.valueOf(runs), String.valueOf(steps)).start());
        }
        for (Process p : procs) {
            String out = PgTesting.await(p, Duration.ofMinutes(3));
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("appended " + runs * (2 * steps + 2)).doesNotContain("notice");
        }

        long expected = (long) workers * runs * (2 * steps + 2);
        assertThat(PG.queryValue(db, "SELECT count(*) FROM runbook.audit_events")).isEqualTo(expected);
        assertThat(PG.queryValue(db, "SELECT count(DISTINCT (run_id, seq)) FROM runbook.audit_events")).isEqualTo(expected);
        assertThat(PG.queryValue(db, "SELECT count(DISTINCT pos) FROM runbook.audit_events")).isEqualTo(expected);
        assertThat(PG.queryValue(db, "SELECT max(pos) FROM runbook.audit_events")).isEqualTo(expected);
        assertThat(PG.queryValue(db, "SELECT count(DISTINCT substr(run_id, 1, 2)) FROM "
                + "(SELECT run_id FROM runbook.audit_events ORDER BY pos LIMIT 1000) first_thousand"))
                .as("the writers' batches interleave in the chain").isNotEqualTo(1L);
        try (PgAuditReader reader = new PgAuditReader(PgTesting.settings(PG, db))) {
            ChainReport r = reader.verify();
            assertThat(r.intact()).as(r.toString()).isTrue();
            assertThat(r.events()).isEqualTo(expected);
            assertThat(reader.runs(null, 100)).hasSize(workers * runs).extracting(History.Run::status).containsOnly("succeeded");
        }
    }

    @Test
    void concurrentRunsFromSeveralProcessesAreEachRecordedWhole() throws Exception {
        String db = PgTesting.freshDatabase(PG);
        int runs = 4;
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Path home = Files.createDirectories(dir.resolve("op-" + i));
            StringBuilder yaml = new StringBuilder("name: concurrent-" + i + "\nsteps:\n");
            for (int s = 0; s < 30; s++) {
                yaml.append("  - id: s").append(s).append("\n    run: /bin/true\n");
            }
            Files.writeString(home.resolve("rb.yaml"), yaml.toString());
            Files.writeString(home.resolve("runbook.yaml"), "audit:\n  url: " + PG.jdbcUrl(db) + "\n  user: postgres\n"
                    + "  password: env:OPS_DB_PASSWORD\n");
            ProcessBuilder pb = PgTesting.worker(RunWorker.class, Map.of("RUNBOOK_STATE", home.resolve("state").toString(),
                    "OPS_DB_PASSWORD", PG.password()), home.resolve("rb.yaml").toString());
            procs.add(pb.directory(home.toFile()).start());
        }
        for (Process p : procs) {
            String out = PgTesting.await(p, Duration.ofMinutes(3));
            assertThat(p.exitValue()).as(out).isZero();
        }

        try (PgAuditReader reader = new PgAuditReader(PgTesting.settings(PG, db))) {
            assertThat(reader.verify().intact()).isTrue();
            List<History.Run> all = reader.runs(null, 10);
            assertThat(all).hasSize(runs).extracting(History.Run::status).containsOnly("succeeded");
            for (History.Run run : all) {
                List<Long> seqs = reader.run(run.runId()).stream().map(dev.runbook.audit.AuditEvent::seq).toList();
                assertThat(seqs).as("run %s recorded whole, in order", run.runId())
                        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, seqs.size()).boxed().toList());
                assertThat(reader.run(run.runId())).filteredOn(e -> e.type().equals("step.finished")).hasSize(30);
            }
        }
    }
}
