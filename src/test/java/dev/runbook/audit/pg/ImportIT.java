package dev.runbook.audit.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditException;
import dev.runbook.audit.FileAuditReader;
import dev.runbook.audit.JsonlAuditTrail;
import dev.runbook.testing.Postgres;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JSONL audit file loads into PostgreSQL once, after its chain is verified. */
class ImportIT {
    static final Postgres PG = Postgres.shared();
    static final AuditEvent.Actor ME = new AuditEvent.Actor("importer", "flag");

    @TempDir
    Path dir;

    String db;
    PgAuditStore store;

    @BeforeEach
    void freshDatabase() {
        db = PgTesting.freshDatabase(PG);
        store = new PgAuditStore(PgTesting.settings(PG, db), dir.resolve("spool"), m -> { });
    }

    Path file(String name, List<List<AuditEvent>> runs) {
        Path f = dir.resolve(name);
        try (JsonlAuditTrail trail = new JsonlAuditTrail(f)) {
            runs.forEach(r -> r.forEach(e -> trail.append(e, false)));
        }
        return f;
    }

    static List<AuditEvent> unlinked(List<AuditEvent> events) {
        return events.stream().map(e -> e.chained(null, null)).toList();
    }

    @Test
    void importingIntoAnEmptyDatabaseKeepsEveryLineAndImportingAgainAddsNothing() throws Exception {
        Path f = file("audit.jsonl", List.of(PgTesting.run("20250101-000000-aaaaaa", "deploy", 4),
                PgTesting.run("20250101-000001-bbbbbb", "backup", 2)));

        Import.Result first = store.importFile(f, ME);
        Import.Result second = store.importFile(f, ME);

        assertThat(first.events()).isEqualTo(16);
        assertThat(first.inserted()).isEqualTo(16);
        assertThat(second.inserted()).isZero();
        assertThat(second.duplicates()).isEqualTo(16);
        StringWriter export = new StringWriter();
        store.reader().export(null, export);
        assertThat(export.toString()).isEqualTo(Files.readString(f));
        assertThat(store.reader().verify().intact()).isTrue();
        assertThat(PG.query(db, "SELECT file_head, events, imported FROM runbook.audit_imports ORDER BY id"))
                .extracting(r -> r.get("imported")).containsExactly(16L, 0L);
    }

    @Test
    void importedEventsChainOnAfterThoseAlreadyStored() throws Exception {
        List<AuditEvent> stored = PgTesting.run("20250101-000000-cccccc", "deploy", 3);
        try (PgAuditSink sink = store.sink()) {
            stored.forEach(e -> sink.append(e, true));
        }
        List<AuditEvent> imported = PgTesting.run("20250101-000001-dddddd", "backup", 3);
        Path f = file("other-machine.jsonl", List.of(imported));

        store.importFile(f, ME);

        try (PgAuditReader reader = store.reader(); FileAuditReader file = new FileAuditReader(f)) {
            assertThat(reader.verify().intact()).isTrue();
            assertThat(unlinked(reader.run("20250101-000001-dddddd"))).isEqualTo(unlinked(file.run("20250101-000001-dddddd")));
            assertThat(reader.runs(null, 10)).hasSize(2);
        }
    }

    @Test
    void aTamperedFileIsRefusedAndNothingOfItImported() throws Exception {
        Path f = file("audit.jsonl", List.of(PgTesting.run("20250101-000000-eeeeee", "deploy", 2)));
        List<String> lines = Files.readAllLines(f);
        lines.set(1, lines.get(1).replace("step 0", "step X"));
        Files.write(f, lines);

        assertThatThrownBy(() -> store.importFile(f, ME)).isInstanceOf(AuditException.class)
                .hasMessage(f + ":2: content altered: the hash does not match the line; nothing imported");
        assertThat(store.reader().runs(null, 10)).isEmpty();
    }

    @Test
    void skippedScheduleFiresAreImportedEachOnceThoughTheyBelongToNoRun() throws Exception {
        Path f = file("audit.jsonl", List.of(List.of(skipped("nightly", "2026-11-27T01:00:00Z"),
                skipped("nightly", "2026-11-28T01:00:00Z")), PgTesting.run("20250101-000000-abcdef", "deploy", 1)));

        Import.Result first = store.importFile(f, ME);
        Import.Result second = store.importFile(f, ME);

        assertThat(first.skipped()).isZero();
        assertThat(first.inserted()).isEqualTo(first.events()).isEqualTo(6);
        assertThat(second.inserted()).isZero();
        assertThat(second.duplicates()).isEqualTo(6);
        assertThat(PG.query(db, "SELECT line FROM runbook.audit_events WHERE type = 'schedule.skipped' ORDER BY pos"))
                .extracting(r -> String.valueOf(r.get("line")))
                .satisfiesExactly(l -> assertThat(l).contains("2026-11-27T01:00:00Z"), l -> assertThat(l).contains("2026-11-28T01:00:00Z"));
        assertThat(store.reader().verify().intact()).isTrue();
    }

    private static AuditEvent skipped(String schedule, String scheduledAt) {
        return new AuditEvent(AuditEvent.VERSION, "-", 0, java.time.Instant.now().toString(), "schedule.skipped",
                new AuditEvent.RunbookRef("backup", "/srv/runbooks/backup.yaml", null), null, null,
                new AuditEvent.Actor("schedule@n1", "schedule"),
                java.util.Map.of("schedule", schedule, "scheduled_at", scheduledAt, "reason", "the previous run still runs"), null, null);
    }

    @Test
    void theFilesOwnBookkeepingIsLeftOut() throws Exception {
        Path f = file("audit.jsonl", List.of(PgTesting.run("20250101-000000-ffffff", "deploy", 1)));
        Files.writeString(f, "{\"v\":1,\"run_id\":\"torn", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        file("audit.jsonl", List.of(PgTesting.run("20250101-000001-ffffff", "deploy", 1)));  // records the torn line

        Import.Result r = store.importFile(f, ME);

        assertThat(r.skipped()).isEqualTo(1);
        assertThat(r.inserted()).isEqualTo(8);
        assertThat(store.reader().verify().intact()).isTrue();
    }
}
