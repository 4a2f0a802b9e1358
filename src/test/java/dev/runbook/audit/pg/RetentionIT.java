package dev.runbook.audit.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.ChainReport;
import dev.runbook.audit.History;
import dev.runbook.testing.Postgres;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention drops old monthly partitions; verification of what remains starts from the checkpoint and passes. */
class RetentionIT {
    static final Postgres PG = Postgres.shared();
    static final AuditEvent.Actor ME = new AuditEvent.Actor("auditor", "flag");

    @TempDir
    Path state;

    String db;
    PgSettings settings;
    PgAuditStore store;

    @BeforeEach
    void threeMonthsOfRuns() throws Exception {
        db = PgTesting.freshDatabase(PG);
        settings = PgTesting.settings(PG, db);
        store = new PgAuditStore(settings, state.resolve("spool"), m -> { });
        write("20250101-000000-aaaaaa", 5);
        write("20250101-000001-bbbbbb", 3);
        write("20250101-000002-cccccc", 1);
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        try (Connection c = PgConnections.open(settings, "test", 30)) {
            c.setAutoCommit(false);
            AuditSchema.ensurePartitionUncached(c, settings, now.minusMonths(5));
            AuditSchema.ensurePartitionUncached(c, settings, now.minusMonths(3));
            c.commit();
        }
        // as if the first two runs had been recorded five and three months ago
        PgTesting.bypassingTriggers(PG, db, "UPDATE runbook.audit_events SET recorded_at = recorded_at - interval '5 months' WHERE run_id LIKE '%aaaaaa'");
        PgTesting.bypassingTriggers(PG, db, "UPDATE runbook.audit_events SET recorded_at = recorded_at - interval '3 months' WHERE run_id LIKE '%bbbbbb'");
        AuditSchema.forget(settings);
    }

    void write(String runId, int steps) {
        try (PgAuditSink sink = store.sink()) {
            for (AuditEvent e : PgTesting.run(runId, "nightly", steps)) {
                sink.append(e, PgTesting.durable(e));
            }
        }
    }

    List<String> runs() {
        try (PgAuditReader r = store.reader()) {
            return r.runs(null, 10).stream().map(History.Run::runId).toList();
        }
    }

    ChainReport verify() {
        try (PgAuditReader r = store.reader()) {
            return r.verify();
        }
    }

    @Test
    void aDryRunSaysWhatWouldBeDroppedAndDropsNothing() {
        Retention.Result r = store.retention(2, true, ME);

        assertThat(r.dryRun()).isTrue();
        assertThat(r.partitions()).hasSize(2);
        assertThat(r.events()).isEqualTo(12 + 8);
        assertThat(runs()).hasSize(3);
        assertThat(verify().from()).isEqualTo("genesis");
    }

    @Test
    void droppingOldPartitionsLeavesAChainThatVerifiesFromTheCheckpoint() {
        Retention.Result first = store.retention(4, false, ME);

        assertThat(first.partitions()).containsExactly(AuditSchema.partitionName(YearMonth.now(ZoneOffset.UTC).minusMonths(5)));
        assertThat(first.events()).isEqualTo(12);
        assertThat(first.checkpoint()).isEqualTo(12);
        assertThat(runs()).containsExactly("20250101-000002-cccccc", "20250101-000001-bbbbbb");
        ChainReport afterFirst = verify();
        assertThat(afterFirst.intact()).as(afterFirst.toString()).isTrue();
        assertThat(afterFirst.from()).isEqualTo("checkpoint at position 12");
        assertThat(afterFirst.events()).isEqualTo(8 + 4 + 1);
        assertThat(afterFirst.notes()).singleElement().asString().contains("dropped by runbook audit retention");

        Retention.Result second = store.retention(2, false, ME);

        assertThat(second.checkpoint()).isEqualTo(20);
        assertThat(runs()).containsExactly("20250101-000002-cccccc");
        ChainReport afterSecond = verify();
        assertThat(afterSecond.intact()).as(afterSecond.toString()).isTrue();
        assertThat(afterSecond.from()).isEqualTo("checkpoint at position 20");
    }

    @Test
    void theRetentionIsItselfOnTheRecordAndTheChainGoesOnAfterIt() throws Exception {
        store.retention(2, false, ME);
        write("20250101-000003-dddddd", 2);

        List<AuditEvent> bookkeeping = store.reader().run("-");
        assertThat(bookkeeping).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo("audit.retention");
            assertThat(e.actor()).isEqualTo(ME);
            assertThat(e.data()).containsEntry("events", 20L).containsKey("checkpoint");
        });
        ChainReport r = verify();
        assertThat(r.intact()).as(r.toString()).isTrue();
        StringWriter export = new StringWriter();
        store.reader().export(null, export);
        String checkpointHash = PG.queryValue(db, "SELECT hash FROM runbook.audit_checkpoints").toString();
        assertThat(AuditCodec.parse(export.toString().lines().findFirst().orElseThrow()).get("prev").asText()).isEqualTo(checkpointHash);
    }

    @Test
    void withNothingOldEnoughNothingIsDropped() {
        Retention.Result r = store.retention(12, false, ME);

        assertThat(r.partitions()).isEmpty();
        assertThat(runs()).hasSize(3);
        assertThat(PG.queryValue(db, "SELECT count(*) FROM runbook.audit_checkpoints")).isEqualTo(0L);
    }

    @Test
    void aTamperedEventAfterTheCheckpointIsStillFound() {
        store.retention(4, false, ME);
        PgTesting.bypassingTriggers(PG, db, "UPDATE runbook.audit_events SET line = replace(line, 'succeeded', 'failed') WHERE run_id LIKE '%bbbbbb' AND type = 'run.finished'");

        ChainReport r = verify();

        assertThat(r.intact()).isFalse();
        assertThat(r.breakAt()).startsWith("run 20250101-000001-bbbbbb seq 8");
    }
}
