package dev.runbook.exec.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.StepResult;
import dev.runbook.engine.StepResult.Outcome;
import dev.runbook.exec.Cancellation;
import dev.runbook.model.Target;
import dev.runbook.testing.Postgres;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sql step against a real PostgreSQL: what a runbook author sees in {@code steps.<id>}. */
class PostgresExecutorIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    static Postgres pg;
    static PostgresExecutor sql;
    static Target host;

    @BeforeAll
    static void startPostgres() throws IOException {
        pg = Postgres.start();
        pg.createDatabase("app");
        sql = new PostgresExecutor(Databases.env(pg));
        host = Databases.host("db1", Map.of("app", Databases.connection(pg, "app")));
    }

    @AfterAll
    static void stopPostgres() {
        if (sql != null) {
            sql.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void freshTable() {
        pg.execute("app", "DROP TABLE IF EXISTS items; CREATE TABLE items (id int PRIMARY KEY, name text)");
    }

    private static StepResult run(String statement, Object... binds) {
        return sql.execute(host, "app", statement, Arrays.asList(binds), TIMEOUT, true, Cancellation.none());
    }

    private static StepResult ok(String statement, Object... binds) {
        StepResult r = run(statement, binds);
        assertThat(r.outcome()).as("%s: %s", statement, r.message()).isEqualTo(Outcome.OK);
        return r;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(StepResult r) {
        return (List<Map<String, Object>>) r.fields().get("rows");
    }

    private static long count(String table) {
        return ((Number) pg.queryValue("app", "SELECT count(*) FROM " + table)).longValue();
    }

    @Test
    void selectReturnsRowsOfPlainValuesByColumnName() {
        StepResult r = ok("SELECT 1::int AS i, 9000000000::bigint AS b, 1.5::float8 AS f, 2.50::numeric AS half,"
                + " 3.000::numeric AS whole, 'x'::text AS s, true AS yes, NULL::text AS nothing,"
                + " timestamptz '2024-05-01 12:00:00+00' AS ts, timestamp '2024-05-01 12:30:00' AS local_ts,"
                + " date '2024-05-01' AS d, '{\"a\": [1, 2]}'::jsonb AS j, ARRAY[1, 2] AS arr,"
                + " 12345678901234567890.123456789::numeric AS big, interval '1 day 2 hours' AS iv");

        Map<String, Object> row = rows(r).get(0);
        assertThat(row).containsEntry("i", 1L).containsEntry("b", 9_000_000_000L).containsEntry("f", 1.5)
                .containsEntry("half", 2.5).containsEntry("whole", 3L).containsEntry("s", "x").containsEntry("yes", true)
                .containsEntry("nothing", null).containsEntry("ts", "2024-05-01T12:00:00Z")
                .containsEntry("local_ts", "2024-05-01T12:30:00").containsEntry("d", "2024-05-01")
                .containsEntry("j", Map.of("a", List.of(1L, 2L))).containsEntry("arr", List.of(1L, 2L))
                .containsEntry("big", "12345678901234567890.123456789").containsEntry("iv", "1 day 02:00:00");
        assertThat(r.fields().get("columns")).isEqualTo(List.copyOf(row.keySet()));
        assertThat(r.fields()).containsEntry("row_count", 1L).containsEntry("truncated", false);
    }

    @Test
    void dataChangesReportHowManyRowsTheyChanged() {
        assertThat(ok("INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')").fields()).containsEntry("row_count", 3L);
        assertThat(ok("UPDATE items SET name = upper(name) WHERE id >= 2").fields()).containsEntry("row_count", 2L);
        assertThat(ok("DELETE FROM items WHERE id = 1").fields()).containsEntry("row_count", 1L);
        assertThat(pg.query("app", "SELECT name FROM items ORDER BY id")).extracting(m -> m.get("name")).containsExactly("B", "C");
    }

    @Test
    void boundValuesStayDataEvenWhenTheyLookLikeSql() {
        String hostile = "x'; DROP TABLE items; --";

        ok("INSERT INTO items VALUES (?, ?)", 1L, hostile);
        StepResult r = ok("SELECT name FROM items WHERE name = ? AND id = ?", hostile, "1");

        assertThat(rows(r)).containsExactly(Map.of("name", hostile));
        assertThat(pg.queryValue("app", "SELECT to_regclass('items') IS NOT NULL")).isEqualTo(true);
    }

    @Test
    void boundValuesTakeTheirTypeFromWhereTheyStand() {
        StepResult r = ok("SELECT repeat('ab', ?) AS r, now() - ?::interval < now() AS past, ? AS nothing, ? AS flag,"
                + " ? AS text, ? + 1 AS sum", 3L, "2 days", null, true, "plain", "41");

        assertThat(rows(r).get(0)).containsEntry("r", "ababab").containsEntry("past", true).containsEntry("nothing", null)
                .containsEntry("flag", true).containsEntry("text", "plain").containsEntry("sum", 42L);
    }

    @Test
    void jsonbQuestionMarkOperatorsAreWrittenAsIsWithoutTemplatesAndDoubledWithThem() {
        assertThat(rows(ok("SELECT '{\"a\": 1}'::jsonb ? 'a' AS has"))).containsExactly(Map.of("has", true));
        assertThat(rows(ok("SELECT ? AS x; SELECT '{\"a\": 1}'::jsonb ?? 'a' AS has", "v"))).containsExactly(Map.of("has", true));

        StepResult r = run("SELECT '{\"a\": 1}'::jsonb ? 'a', ? AS x", "v");
        assertThat(r.message()).isEqualTo("the statement has 2 ? placeholders for 1 template values;"
                + " write ?? for a literal question mark (the jsonb operators)");
    }

    @Test
    void quotedIdentifiersReachTablesWithAwkwardNames() {
        pg.execute("app", "DROP TABLE IF EXISTS \"Odd \"\"Name\"\"\"; CREATE TABLE \"Odd \"\"Name\"\"\" (n int); "
                + "INSERT INTO \"Odd \"\"Name\"\"\" VALUES (7)");

        assertThat(rows(ok("SELECT n FROM \"Odd \"\"Name\"\"\""))).containsExactly(Map.of("n", 7L));
    }

    @Test
    void anUnknownTableFailsWithItsSqlstateAndPosition() {
        StepResult r = run("SELECT * FROM nope");

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).isEqualTo("ERROR 42P01: relation \"nope\" does not exist (at character 15)");
        assertThat(r.fields()).containsEntry("sqlstate", "42P01");
    }

    @Test
    void anErrorPositionCountsInTheStatementAsWrittenNotAsSent() {
        // the driver sends $1 where the step has ?, one character longer
        assertThat(run("SELECT ?::int, * FROM nope", 1L).message()).endsWith("(at character 23)");
        assertThat(run("SELECT 1;\nSELECT *\n  FROM nope").message())
                .isEqualTo("statement 2 of 2: ERROR 42P01: relation \"nope\" does not exist (at line 3, column 8);"
                        + " rolled back statement 1 of its transaction");
    }

    @Test
    void aConstraintViolationCarriesTheServersDetail() {
        ok("INSERT INTO items VALUES (1, 'a')");

        StepResult r = run("INSERT INTO items VALUES (1, 'again')");

        assertThat(r.message()).isEqualTo("ERROR 23505: duplicate key value violates unique constraint \"items_pkey\"; "
                + "Key (id)=(1) already exists.");
    }

    @Test
    void aSlowStatementIsStoppedByTheServerAtTheStatementTimeout() {
        long start = System.nanoTime();
        StepResult r = sql.execute(host, "app", "SELECT pg_sleep(10)", List.of(), Duration.ofMillis(500), true,
                Cancellation.none());

        assertThat(r.outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(r.message()).isEqualTo("timed out after 500ms (statement_timeout): the server cancelled it");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(ok("SELECT 1 AS one").fields().get("rows")).isEqualTo(List.of(Map.of("one", 1L)));
    }

    @Test
    void cancellingStopsTheStatementOnTheServer() throws Exception {
        Cancellation cancel = new Cancellation();
        String marker = "cancel-me-" + System.nanoTime();
        CompletableFuture<StepResult> running = CompletableFuture.supplyAsync(() -> sql.execute(host, "app",
                "SELECT pg_sleep(30), '" + marker + "'", List.of(), TIMEOUT, true, cancel));
        awaitActive(marker);

        long start = System.nanoTime();
        cancel.cancel("Ctrl-C");
        StepResult r = running.get(10, TimeUnit.SECONDS);

        assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(r.message()).startsWith("interrupted (Ctrl-C)");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(activeQueries(marker)).isZero();
        assertThat(ok("SELECT 1 AS one").fields().get("backend_pid")).isEqualTo(r.fields().get("backend_pid"));
    }

    @Test
    void cancellingAsTheStatementStartsStillStopsIt() throws Exception {
        for (int delayMs = 0; delayMs < 50; delayMs += 5) {
            Cancellation cancel = new Cancellation();
            String marker = "early-cancel-" + delayMs + "-" + System.nanoTime();
            CompletableFuture<StepResult> running = CompletableFuture.supplyAsync(() -> sql.execute(host, "app",
                    "SELECT pg_sleep(30), '" + marker + "'", List.of(), TIMEOUT, true, cancel));
            Thread.sleep(delayMs);

            cancel.cancel("Ctrl-C");
            StepResult r = running.get(10, TimeUnit.SECONDS);

            assertThat(r.outcome()).as("cancelled after %d ms", delayMs).isEqualTo(Outcome.CANCELLED);
            assertThat(activeQueries(marker)).as("cancelled after %d ms", delayMs).isZero();
        }
        assertThat(ok("SELECT 1 AS one").fields().get("rows")).isEqualTo(List.of(Map.of("one", 1L)));
    }

    private static void awaitActive(String marker) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (activeQueries(marker) == 0) {
            assertThat(System.nanoTime()).as("statement with %s running", marker).isLessThan(end);
            Thread.sleep(20);
        }
    }

    private static long activeQueries(String marker) {
        return ((Number) pg.queryValue("app", "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                + " AND query LIKE '%" + marker + "%' AND pid <> pg_backend_pid()")).longValue();
    }

    @Test
    void vacuumAndReindexDatabaseRunAlthoughTheStepAsksForATransaction() {
        ok("INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 100) g");

        ok("VACUUM ANALYZE items");
        ok("REINDEX DATABASE app");
        ok("CREATE INDEX CONCURRENTLY items_name ON items (name)");

        assertThat(pg.queryValue("app", "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'items'"))
                .isEqualTo(true);
        assertThat(pg.queryValue("app", "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name'::regclass"))
                .isEqualTo(true);
    }

    @Test
    void statementsSeparatedBySemicolonsRunInOrderAndTheLastOneGivesTheRows() {
        StepResult r = ok("INSERT INTO items VALUES (1, 'a'); INSERT INTO items VALUES (2, ';not a separator;');"
                + " DELETE FROM items WHERE id = 1; VACUUM ANALYZE items; SELECT id, name FROM items");

        assertThat(rows(r)).containsExactly(Map.of("id", 2L, "name", ";not a separator;"));
    }

    @Test
    void aFailingStatementRollsBackTheStatementsOfItsTransaction() {
        StepResult r = run("INSERT INTO items VALUES (1, 'a'); INSERT INTO items VALUES (2, 'b'); INSERT INTO nope VALUES (3)");

        assertThat(r.message()).startsWith("statement 3 of 3: ERROR 42P01").endsWith("rolled back statements 1-2 of its transaction");
        assertThat(count("items")).isZero();
    }

    @Test
    void withoutATransactionEachStatementStandsAlone() {
        StepResult r = sql.execute(host, "app", "INSERT INTO items VALUES (1, 'a'); INSERT INTO nope VALUES (3)", List.of(),
                TIMEOUT, false, Cancellation.none());

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(count("items")).isEqualTo(1);
    }

    @Test
    void aStepThatBeginsATransactionMustEndIt() {
        ok("BEGIN; INSERT INTO items VALUES (1, 'a'); COMMIT");
        StepResult r = run("BEGIN; INSERT INTO items VALUES (2, 'b')");

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).contains("left a transaction open");
        assertThat(count("items")).isEqualTo(1);
        ok("SELECT 1");
    }

    @Test
    void everyStepOfARunUsesTheSameConnectionNamedRunbook() {
        StepResult first = ok("SELECT pg_backend_pid() AS pid, current_setting('application_name') AS app");
        StepResult second = ok("SELECT pg_backend_pid() AS pid");

        assertThat(rows(first).get(0)).containsEntry("pid", first.fields().get("backend_pid")).containsEntry("app", "runbook");
        assertThat(second.fields().get("backend_pid")).isEqualTo(first.fields().get("backend_pid"));
        assertThat(pg.queryValue("app", "SELECT application_name FROM pg_stat_activity WHERE pid = "
                + first.fields().get("backend_pid"))).isEqualTo("runbook");
    }

    @Test
    void aRunbookCanTerminateIdleSessionsWithoutTerminatingItsOwn() {
        try (var idle = pg.connect("app")) {
            StepResult r = ok("SELECT count(*) AS terminated FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'runbook'"
                    + " AND state = 'idle') t");

            assertThat(rows(r).get(0).get("terminated")).isEqualTo(1L);
            assertThat(ok("SELECT 1 AS still_here").fields().get("backend_pid")).isEqualTo(r.fields().get("backend_pid"));
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void manyRowsAreCutAtTheRowLimitAndSaySo() {
        try (PostgresExecutor small = new PostgresExecutor(Databases.env(pg), Map.of(), Duration.ofSeconds(5), 5)) {
            StepResult r = small.execute(host, "app", "SELECT g FROM generate_series(1, 100000) g", List.of(), TIMEOUT, true,
                    Cancellation.none());

            assertThat(rows(r)).hasSize(5);
            assertThat(r.fields()).containsEntry("truncated", true);
        }
    }

    @Test
    void databasesAreCreatedAndDroppedOutsideATransaction() {
        ok("CREATE DATABASE scratch; DROP DATABASE scratch");

        assertThat(pg.queryValue("app", "SELECT count(*) FROM pg_database WHERE datname = 'scratch'")).isEqualTo(0L);
    }

    @Test
    void semicolonsInsideFunctionBodiesDoNotSplitTheStep() {
        ok("CREATE FUNCTION two() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;"
                + " CREATE FUNCTION three() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 3; END $body$");

        assertThat(rows(ok("SELECT two() AS two, three() AS three"))).containsExactly(Map.of("two", 2L, "three", 3L));
    }

    @Test
    void serverNoticesAreKeptWithTheResult() {
        assertThat(ok("DO $$ BEGIN RAISE NOTICE 'checked % tables', 3; END $$").fields().get("notices"))
                .isEqualTo(List.of("checked 3 tables"));
        assertThat(ok("DROP TABLE IF EXISTS not_here").fields().get("notices"))
                .isEqualTo(List.of("table \"not_here\" does not exist, skipping"));
    }
}
