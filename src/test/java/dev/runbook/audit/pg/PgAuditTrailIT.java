package dev.runbook.audit.pg;

import static dev.runbook.audit.pg.PgTesting.durable;
import static dev.runbook.audit.pg.PgTesting.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.ChainReport;
import dev.runbook.audit.FileAuditReader;
import dev.runbook.audit.History;
import dev.runbook.audit.JsonlAuditTrail;
import dev.runbook.testing.Postgres;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL store holds the same events, hashes and history as the file, and verify finds tampering. */
class PgAuditTrailIT {
    static final Postgres PG = Postgres.shared();

    @TempDir
    Path state;

    String db;
    PgAuditStore store;
    List<String> notices = new ArrayList<>();

    @BeforeEach
    void freshDatabase() {
        db = PgTesting.freshDatabase(PG);
        store = new PgAuditStore(PgTesting.settings(PG, db), state.resolve("spool"), notices::add);
    }

    /** Writes the runs to PostgreSQL and, in the same order, to an audit file; returns the file. */
    Path writeBoth(List<List<AuditEvent>> runs) {
        Path file = state.resolve("audit.jsonl");
        try (PgAuditSink sink = store.sink(); JsonlAuditTrail trail = new JsonlAuditTrail(file)) {
            for (List<AuditEvent> r : runs) {
                for (AuditEvent e : r) {
                    sink.append(e, durable(e));
                    trail.append(e, durable(e));
                }
            }
        }
        return file;
    }

    @Test
    void everyEventIsStoredOnceAndTheChainVerifies() {
        writeBoth(List.of(run("20250101-000000-aaaaaa", "deploy", 200), run("20250101-000001-bbbbbb", "backup", 3)));

        assertThat(PG.queryValue(db, "SELECT count(*) FROM runbook.audit_events")).isEqualTo(402L + 8L);
        assertThat(PG.queryValue(db, "SELECT count(DISTINCT (run_id, seq)) FROM runbook.audit_events")).isEqualTo(410L);
        try (PgAuditReader reader = store.reader()) {
            ChainReport r = reader.verify();
            assertThat(r.intact()).as(r.toString()).isTrue();
            assertThat(r.events()).isEqualTo(410);
        }
        assertThat(notices).isEmpty();
    }

    @Test
    void exportWritesByteForByteTheLinesOfTheFileStoreForTheSameEvents() throws Exception {
        Path file = writeBoth(List.of(run("20250101-000000-aaaaaa", "deploy", 20), run("20250101-000001-bbbbbb", "backup", 5)));

        StringWriter all = new StringWriter();
        StringWriter one = new StringWriter();
        try (PgAuditReader reader = store.reader()) {
            reader.export(null, all);
            reader.export("20250101-000001-bbbbbb", one);
        }
        StringWriter fileOne = new StringWriter();
        new FileAuditReader(file).export("20250101-000001-bbbbbb", fileOne);

        assertThat(all.toString()).isEqualTo(Files.readString(file));
        assertThat(one.toString()).isEqualTo(fileOne.toString()).isNotEmpty();
    }

    @Test
    void historyAndShowAnswerAsTheyDoFromTheFile() {
        Path file = writeBoth(List.of(run("20250101-000000-aaaaaa", "deploy", 2), run("20250101-000001-bbbbbb", "backup", 1),
                run("20250101-000002-cccccc", "deploy", 1).subList(0, 2)));

        try (PgAuditReader pg = store.reader(); FileAuditReader f = new FileAuditReader(file)) {
            assertThat(pg.runs(null, 20)).isEqualTo(f.runs(null, 20)).hasSize(3);
            assertThat(pg.runs("deploy", 20)).isEqualTo(f.runs("deploy", 20)).extracting(History.Run::status)
                    .containsExactly("running", "succeeded");
            assertThat(pg.runs(null, 1)).isEqualTo(f.runs(null, 1));
            assertThat(pg.run("20250101-000001-bbbbbb")).isEqualTo(f.run("20250101-000001-bbbbbb")).hasSize(4);
            assertThat(pg.run("20250101-000001")).isEqualTo(f.run("20250101-000001")).hasSize(4);
            assertThat(pg.run("last")).isEqualTo(f.run("last")).hasSize(2);
            assertThat(pg.run("20250101")).as("an ambiguous prefix").isEmpty();
            assertThat(pg.runIds("20250101", 5)).as("the runs an ambiguous prefix matches").isEqualTo(f.runIds("20250101", 5))
                    .containsExactly("20250101-000000-aaaaaa", "20250101-000001-bbbbbb", "20250101-000002-cccccc");
            assertThat(pg.runIds("20250101", 2)).containsExactly("20250101-000000-aaaaaa", "20250101-000001-bbbbbb");
            assertThat(pg.runIds("2025_", 5)).as("_ is no wildcard").isEmpty();
            assertThat(pg.run("nope")).isEmpty();
        }
    }

    @Test
    void anAlteredEventIsReportedWithItsRunAndSeq() {
        writeBoth(List.of(run("20250101-000000-aaaaaa", "deploy", 5), run("20250101-000001-bbbbbb", "backup", 5)));
        PgTesting.bypassingTriggers(PG, db, "UPDATE runbook.audit_events SET line = replace(line, '\"exit_code\":0', '\"exit_code\":1') "
                + "WHERE run_id = '20250101-000001-bbbbbb' AND seq = 3");

        ChainReport r = store.reader().verify();

        assertThat(r.intact()).isFalse();
        assertThat(r.breakAt()).isEqualTo("run 20250101-000001-bbbbbb seq 3 (position 15)");
        assertThat(r.problem()).startsWith("content altered");
        assertThat(r.events()).isEqualTo(14);
    }

    @Test
    void aDeletedEventBreaksTheChainAtTheEventAfterIt() {
        writeBoth(List.of(run("20250101-000000-aaaaaa", "deploy", 5)));
        PgTesting.bypassingTriggers(PG, db, "DELETE FROM runbook.audit_events WHERE seq = 4");

        ChainReport r = store.reader().verify();

        assertThat(r.breakAt()).isEqualTo("run 20250101-000000-aaaaaa seq 5 (position 5)");
        assertThat(r.problem()).contains("position 4 missing");
    }

    @Test
    void removingTheNewestEventsIsFoundThroughTheChainHead() {
        writeBoth(List.of(run("20250101-000000-aaaaaa", "deploy", 5)));
        PgTesting.bypassingTriggers(PG, db, "DELETE FROM runbook.audit_events WHERE seq > 10");

        ChainReport r = store.reader().verify();

        assertThat(r.intact()).isFalse();
        assertThat(r.problem()).contains("newest events were removed").contains("position 12").contains("position 10");
    }

    @Test
    void aRowWhoseColumnsNoLongerMatchItsEventIsReported() {
        writeBoth(List.of(run("20250101-000000-aaaaaa", "deploy", 2)));
        PgTesting.bypassingTriggers(PG, db, "UPDATE runbook.audit_events SET type = 'step.skipped' WHERE seq = 2");

        ChainReport r = store.reader().verify();

        assertThat(r.breakAt()).isEqualTo("run 20250101-000000-aaaaaa seq 2 (position 2)");
        assertThat(r.problem()).startsWith("row altered");
    }

    @Test
    void runsAtOnceThroughOneSharedSinkEachFindTheirEventsStoredWhenTheyEnd() throws Exception {
        List<List<AuditEvent>> runs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            runs.add(run("20250101-00000" + i + "-shared", "nightly-" + i, 30));
        }
        try (PgAuditStore shared = new PgAuditStore(PgTesting.settings(PG, db), state.resolve("spool"), notices::add)) {
            List<Thread> threads = new ArrayList<>();
            List<String> stored = java.util.Collections.synchronizedList(new ArrayList<>());
            for (List<AuditEvent> r : runs) {
                threads.add(new Thread(() -> {
                    try (dev.runbook.audit.AuditSink sink = shared.sharedSink()) {
                        r.forEach(e -> sink.append(e, false));  // nothing durable: only the view's close waits
                    }
                    stored.add(r.get(0).runId() + "=" + PG.queryValue(db, "SELECT count(*) FROM runbook.audit_events WHERE run_id = '"
                            + r.get(0).runId() + "'"));
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(stored).hasSize(6).allSatisfy(s -> assertThat(s).endsWith("=62"));
        }
        assertThat(store.reader().verify().intact()).isTrue();
    }

    @Test
    void aDatabaseWithoutTablesYetHasNoRunsAndAnIntactEmptyChain() {
        try (PgAuditReader reader = store.reader()) {
            assertThat(reader.runs(null, 10)).isEmpty();
            assertThat(reader.run("last")).isEmpty();
            assertThat(reader.verify().intact()).isTrue();
        }
        assertThat(PG.queryValue(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'runbook'"))
                .as("reading creates nothing").isEqualTo(0L);
    }
}
