package dev.runbook.audit.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.ChainReport;
import dev.runbook.audit.History;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Postgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL goes away in the middle of runs: the runs go on, their events wait in the spool,
 * the person running it is told once, and every event ends up stored exactly once in a chain
 * that verifies.
 */
class OutageIT {
    static Postgres pg;

    @TempDir
    Path state;

    String db;
    PgSettings settings;
    List<String> notices = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void ownCluster() throws Exception {
        pg = Postgres.start();  // its own: these tests stop it
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    @BeforeEach
    void freshDatabase() {
        db = PgTesting.freshDatabase(pg);
        settings = PgTesting.settings(pg, db);
    }

    @AfterEach
    void running() throws Exception {
        if (!pg.running()) {
            pg.restart();
        }
    }

    Path spool() {
        return state.resolve("spool");
    }

    List<Path> spoolFiles() throws Exception {
        if (!Files.isDirectory(spool())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(spool())) {
            return s.toList();
        }
    }

    void assertEveryEventOnceAndIntact(List<AuditEvent> written) {
        assertThat(pg.queryValue(db, "SELECT count(*) FROM runbook.audit_events")).isEqualTo((long) written.size());
        assertThat(pg.queryValue(db, "SELECT count(DISTINCT (run_id, seq)) FROM runbook.audit_events")).isEqualTo((long) written.size());
        try (PgAuditReader reader = new PgAuditReader(settings)) {
            ChainReport r = reader.verify();
            assertThat(r.intact()).as(r.toString()).isTrue();
            for (String run : written.stream().map(AuditEvent::runId).distinct().toList()) {
                assertThat(reader.run(run)).extracting(AuditEvent::seq)
                        .containsExactlyElementsOf(written.stream().filter(e -> e.runId().equals(run)).map(AuditEvent::seq).toList());
            }
        }
    }

    @Test
    void postgresStoppedMidRunAndStartedAgainLosesNothingAndStoresNothingTwice() throws Exception {
        List<AuditEvent> run = PgTesting.run("20250101-000000-aaaaaa", "deploy", 60);
        try (PgAuditSink sink = new PgAuditSink(settings, spool(), notices::add)) {
            for (int i = 0; i < run.size(); i++) {
                if (i == 40) {
                    pg.stopTemporarily();
                }
                if (i == 80) {
                    pg.restart();
                }
                sink.append(run.get(i), PgTesting.durable(run.get(i)));
            }
        }
        new PgAuditStore(settings, spool(), notices::add).flush();

        assertThat(notices).filteredOn(n -> n.contains("events are kept in " + spool())).hasSize(1);
        assertThat(notices.get(0)).startsWith("audit: ").contains("127.0.0.1:" + pg.port()).doesNotContain(pg.password());
        assertEveryEventOnceAndIntact(run);
        assertThat(spoolFiles()).as("delivered spool files are removed").isEmpty();
    }

    @Test
    void theSinkDeliversItsSpoolItselfOncePostgresAnswersAgainDuringTheRun() throws Exception {
        List<AuditEvent> run = PgTesting.run("20250101-000000-bbbbbb", "deploy", 40);
        try (PgAuditSink sink = new PgAuditSink(settings, spool(), notices::add)) {
            for (int i = 0; i < 30; i++) {
                sink.append(run.get(i), PgTesting.durable(run.get(i)));
            }
            pg.stopTemporarily();
            for (int i = 30; i < 60; i++) {
                sink.append(run.get(i), PgTesting.durable(run.get(i)));
            }
            assertThat(sink.spooling()).isTrue();
            pg.restart();
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (sink.spooling() && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            for (int i = 60; i < run.size(); i++) {
                sink.append(run.get(i), PgTesting.durable(run.get(i)));
            }
        }

        assertThat(notices).anyMatch(n -> n.contains("answers again") && n.contains("spooled events delivered"));
        assertEveryEventOnceAndIntact(run);
        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void aRunThatStartsWhilePostgresIsDownGoesOnAndTheNextRunDeliversIt() throws Exception {
        pg.stopTemporarily();
        List<AuditEvent> first = PgTesting.run("20250101-000000-cccccc", "deploy", 10);
        try (PgAuditSink sink = new PgAuditSink(settings, spool(), notices::add)) {
            for (AuditEvent e : first) {
                sink.append(e, PgTesting.durable(e));
            }
            assertThat(sink.describe()).contains(first.size() + " events spooled in " + spool());
        }
        assertThat(notices).hasSize(1);
        assertThat(notices.get(0)).contains("cannot reach PostgreSQL at 127.0.0.1:" + pg.port());
        Path file = spoolFiles().get(0);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spool()))).isEqualTo("rwx------");

        pg.restart();
        List<AuditEvent> second = PgTesting.run("20250101-000001-dddddd", "deploy", 2);
        try (PgAuditSink sink = new PgAuditSink(settings, spool(), notices::add)) {
            for (AuditEvent e : second) {
                sink.append(e, PgTesting.durable(e));
            }
        }

        List<AuditEvent> all = new ArrayList<>(first);
        all.addAll(second);
        assertEveryEventOnceAndIntact(all);
        assertThat(spoolFiles()).isEmpty();
        try (PgAuditReader reader = new PgAuditReader(settings)) {
            assertThat(reader.runs(null, 10)).extracting(History.Run::runId)
                    .containsExactly("20250101-000001-dddddd", "20250101-000000-cccccc");
        }
    }

    @Test
    void historyAndShowDeliverTheSpoolFirstSoARunWhoseEndWaitedThereIsNotCalledDied(@TempDir Path home) throws Exception {
        Path rb = Files.writeString(home.resolve("hold.yaml"), """
                name: hold
                steps:
                  - id: hold
                    run: sleep 3
                  - id: after
                    run: echo after the outage
                """);
        Cli cli = Cli.in(home).withEnv("RUNBOOK_AUDIT_STORE", "postgres").withEnv("RUNBOOK_AUDIT_URL", pg.jdbcUrl(db))
                .withEnv("RUNBOOK_AUDIT_USER", Postgres.SUPERUSER).withEnv("RUNBOOK_AUDIT_PASSWORD", pg.password());
        Cli.Result run;
        try (Cli.Running r = cli.start("run", rb.toString())) {
            // the mutating step's step.started is committed before its command starts
            assertThat(dev.runbook.testing.Processes.eventually(Duration.ofSeconds(20), () -> stepStarted(db))).isTrue();
            pg.stopTemporarily();
            run = r.await(Duration.ofSeconds(30));
        }
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stderr() + run.stdout()).contains("spool");
        String runId = runIdIn(run.stdout());
        pg.restart();

        Cli.Result history = cli.run("history");
        Cli.Result show = cli.run("show", runId);

        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.stdout()).as(history.toString()).containsPattern(runId + " +hold +succeeded").doesNotContain("died");
        assertThat(history.stderr()).as(history.toString()).containsPattern("runbook: \\d+ events spooled while PostgreSQL was"
                + " unreachable delivered first, from " + java.util.regex.Pattern.quote(cli.state().resolve("spool").toString()));
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout()).contains("run.finished").doesNotContain("died");
        assertThat(spoolFiles(cli.state().resolve("spool"))).isEmpty();
        try (PgAuditReader reader = new PgAuditReader(settings)) {
            assertThat(reader.verify().intact()).isTrue();
        }
    }

    private static boolean stepStarted(String db) {
        try {
            return ((Number) pg.queryValue(db, "SELECT count(*) FROM runbook.audit_events WHERE type = 'step.started'")).longValue() > 0;
        } catch (IllegalStateException e) {
            return false;  // the run has not made its tables yet
        }
    }

    private static String runIdIn(String stdout) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("run (\\d{8}-\\d{6}-[0-9a-f]{6})").matcher(stdout);
        assertThat(m.find()).as(stdout).isTrue();
        return m.group(1);
    }

    private static List<Path> spoolFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void aSpoolLeftByAKilledProcessIsFlushedOnceEvenWhenDeliveredTwice() throws Exception {
        pg.stopTemporarily();
        Process worker = PgTesting.worker(AppendWorker.class, Map.of(), pg.jdbcUrl(db), pg.password(), spool().toString(),
                "killed", "1", "-1").start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream()))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("appended 50")) {
                // wait until it has spooled fifty events
            }
        }
        worker.destroyForcibly().waitFor();
        pg.restart();
        Path file = spoolFiles().get(0);
        Path copy = state.resolve("copy.jsonl");
        Files.copy(file, copy);
        long spooled = Files.readAllLines(file).stream().filter(l -> l.endsWith("}")).count();

        PgAuditStore store = new PgAuditStore(settings, spool(), notices::add);
        PgAuditStore.Flushed first = store.flush();
        Files.copy(copy, spool().resolve("again.jsonl"));  // as if a crash came between the commit and the delete
        PgAuditStore.Flushed second = store.flush();

        assertThat(first.inserted()).isEqualTo(spooled).isGreaterThanOrEqualTo(50);
        assertThat(second.inserted()).isZero();
        assertThat(second.duplicates()).isEqualTo(spooled);
        assertThat(pg.queryValue(db, "SELECT count(*) FROM runbook.audit_events")).isEqualTo(spooled);
        assertThat(pg.queryValue(db, "SELECT count(DISTINCT seq) FROM runbook.audit_events")).isEqualTo(spooled);
        assertThat(new PgAuditReader(settings).verify().intact()).isTrue();
        assertThat(spoolFiles()).isEmpty();
        assertThat(store.flush().files()).isZero();
    }

    @Test
    void aSpoolStillWrittenByALiveProcessIsLeftToIt() throws Exception {
        pg.stopTemporarily();
        try (PgAuditSink sink = new PgAuditSink(settings, spool(), notices::add)) {
            sink.append(PgTesting.run("20250101-000000-eeeeee", "deploy", 1).get(0), true);
            pg.restart();

            PgAuditStore.Flushed f = new PgAuditStore(settings, spool(), notices::add).flush();

            assertThat(f.held()).hasSize(1);
            assertThat(f.inserted()).isZero();
        }
    }
}
