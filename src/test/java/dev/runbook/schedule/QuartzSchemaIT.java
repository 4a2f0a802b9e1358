package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import dev.runbook.testing.Postgres;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quartz's tables, created by our own migration: any number of times, by several daemons at once,
 * over tables that already exist (ours or Quartz's own DDL's), never dropping one.
 */
class QuartzSchemaIT {
    static Postgres pg;

    @TempDir
    Path root;

    @BeforeAll
    static void postgres() {
        pg = Postgres.shared();
    }

    @Test
    void theMigrationRunByManyAtOnceCreatesEveryTableOnce() throws Exception {
        String db = "schema_concurrent";
        pg.createDatabase(db);
        int n = 6;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pool.submit(() -> {
                    go.await();
                    QuartzSchema.migrate(pg.jdbcUrl(db), Postgres.SUPERUSER, pg.password());
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) {
                f.get();  // rethrows any migration's failure
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(tables(db)).containsAll(QuartzSchema.TABLES);
        assertThat(pg.queryValue(db, "SELECT count(*) FROM runbook_quartz_schema")).isEqualTo(1L);
    }

    @Test
    void runningEveryStatementAgainKeepsEveryRow() throws Exception {
        String db = "schema_rerun";
        pg.createDatabase(db);
        migrate(db);
        pg.execute(db, "INSERT INTO qrtz_calendars (sched_name, calendar_name, calendar) VALUES ('runbook', 'holidays', '\\x00')");
        pg.execute(db, "INSERT INTO qrtz_locks (sched_name, lock_name) VALUES ('runbook', 'TRIGGER_ACCESS')");
        pg.execute(db, "DELETE FROM runbook_quartz_schema");  // as if never migrated: every CREATE runs again

        migrate(db);
        migrate(db);

        assertThat(pg.queryValue(db, "SELECT calendar_name FROM qrtz_calendars")).isEqualTo("holidays");
        assertThat(pg.queryValue(db, "SELECT count(*) FROM qrtz_locks")).isEqualTo(1L);
        assertThat(QuartzSchema.statements()).isNotEmpty().noneMatch(s -> s.toUpperCase().contains("DROP "))
                .filteredOn(s -> s.toUpperCase().startsWith("CREATE")).allMatch(s -> s.toUpperCase().contains(" IF NOT EXISTS "));
    }

    @Test
    void tablesMadeByQuartzsOwnScriptAreAdoptedWithTheirRows() throws Exception {
        String db = "schema_adopt";
        pg.createDatabase(db);
        try (InputStream in = org.quartz.Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
            assertThat(in).as("Quartz's PostgreSQL script").isNotNull();
            pg.execute(db, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        pg.execute(db, "INSERT INTO qrtz_calendars (sched_name, calendar_name, calendar) VALUES ('runbook', 'holidays', '\\x00')");

        migrate(db);

        assertThat(pg.queryValue(db, "SELECT calendar_name FROM qrtz_calendars")).isEqualTo("holidays");
        assertThat(tables(db)).containsAll(QuartzSchema.TABLES);
    }

    @Test
    void daemonsJoiningLaterKeepTheFirstDaemonsTriggerAsItWas() {
        String db = "schema_join";
        pg.createDatabase(db);
        // a daily schedule: nothing fires during the test, so only a re-created trigger would change its row
        // (its zone an offset, which Quartz stores as 'GMT+01:00': still the same schedule)
        Map<String, Object> before;
        try (Daemons.Running first = Daemons.start(node("first"), args(db, "first"))) {
            before = trigger(db);
            assertThat(before).as("the first daemon stored the trigger").isNotNull();

            try (Daemons.Running second = Daemons.launch(node("second"), args(db, "second"));
                 Daemons.Running third = Daemons.launch(node("third"), args(db, "third"))) {
                second.awaitStarted();
                third.awaitStarted();
                assertThat(second.output()).doesNotContain("removed schedule");
                assertThat(third.output()).doesNotContain("removed schedule");
                assertThat(first.get("/health").statusCode()).isEqualTo(200);
                for (Daemons.Running d : List.of(second, third)) {
                    Cli.Result r = d.stop(Duration.ofSeconds(30));
                    assertThat(r.exitCode()).as(r.toString()).isZero();
                }
            }
            Cli.Result r = first.stop(Duration.ofSeconds(30));
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }

        assertThat(trigger(db)).as("the same trigger, untouched").isEqualTo(before);
        assertThat(pg.queryValue(db, "SELECT count(*) FROM qrtz_triggers")).isEqualTo(1L);
        assertThat(pg.queryValue(db, "SELECT count(*) FROM runbook_quartz_schema")).isEqualTo(1L);
    }

    @Test
    void aTriggerReadBackFromTheClusteredStoreKeepsItsRulesWhereTheClocksChange() throws Exception {
        String db = "schema_wall_clock";
        pg.createDatabase(db);
        Daemon.Jdbc jdbc = new Daemon.Jdbc(pg.jdbcUrl(db), Postgres.SUPERUSER, pg.password(), "runbook");
        try (java.sql.Connection c = StoreConnection.open(jdbc, "test", 30)) {
            QuartzSchema.migrate(c, "runbook");
        }
        Daemon.Settings settings = new Daemon.Settings("n1", "wall-clock", new java.net.InetSocketAddress(0), Duration.ofSeconds(1), 1,
                Duration.ofSeconds(10), jdbc, Duration.ofSeconds(2), null);
        Schedule berlin = new Schedule("berlin", Path.of("runbooks/tick.yaml"), "0 30 2 * * ?", java.time.ZoneId.of("Europe/Berlin"),
                Map.of(), null, List.of(), Schedule.Misfire.RUN_ONCE, Schedule.Overlap.SKIP, null, true,
                new dev.runbook.model.SourcePos("s.yaml", 1, 1));
        org.quartz.Scheduler quartz = QuartzStore.create(settings, null).scheduler();
        try {
            assertThat(new QuartzStore(quartz).apply(ScheduleSet.of(List.of(berlin)))).containsExactly("added berlin");

            org.quartz.Trigger back = quartz.getTrigger(org.quartz.TriggerKey.triggerKey("berlin", Daemon.GROUP));
            assertThat(back).isInstanceOf(WallClockCronTrigger.class);
            assertThat(back.getFireTimeAfter(java.util.Date.from(java.time.Instant.parse("2027-03-27T12:00:00Z"))))
                    .as("03:00 CEST on the day 02:30 does not exist").isEqualTo(java.util.Date.from(java.time.Instant.parse("2027-03-28T01:00:00Z")));
            assertThat(back.getMisfireInstruction()).isEqualTo(org.quartz.CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW);
            assertThat(pg.queryValue(db, "SELECT trigger_type FROM runbook.qrtz_triggers")).isEqualTo(WallClockCronPersistence.TYPE);
            assertThat(new QuartzStore(quartz).apply(ScheduleSet.of(List.of(berlin)))).as("read back as the same: left alone").isEmpty();
        } finally {
            quartz.shutdown();
        }
    }

    private Cli node(String name) {
        Path home = root.resolve(name);
        Daemons.write(home, "runbooks/nightly.yaml", Daemons.pulseRunbook("nightly"));
        Daemons.write(home, "schedules/nightly.yaml", "id: nightly\nrunbook: nightly\ncron: \"0 0 3 * * ?\"\ntime_zone: \"+01:00\"\n");
        return Cli.in(home).withEnv("RUNBOOK_DAEMON_JDBC_PASSWORD", pg.password()).withTimeout(Duration.ofSeconds(60));
    }

    private String[] args(String db, String node) {
        return new String[] {"--node", node, "--jdbc-url", pg.jdbcUrl(db), "--jdbc-user", Postgres.SUPERUSER};
    }

    private Map<String, Object> trigger(String db) {
        List<Map<String, Object>> rows = pg.query(db, "SELECT t.trigger_name, t.start_time, t.next_fire_time, c.cron_expression, c.time_zone_id"
                + " FROM qrtz_triggers t JOIN qrtz_cron_triggers c USING (sched_name, trigger_name, trigger_group)"
                + " WHERE t.trigger_name = 'nightly'");
        return rows.isEmpty() ? null : rows.get(0);
    }

    private void migrate(String db) throws Exception {
        QuartzSchema.migrate(pg.jdbcUrl(db), Postgres.SUPERUSER, pg.password());
    }

    private List<String> tables(String db) {
        return pg.query(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").stream()
                .map(r -> (String) r.get("tablename")).toList();
    }
}
