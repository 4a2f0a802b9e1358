package dev.runbook.exec.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.JsonlAuditTrail;
import dev.runbook.engine.Engine;
import dev.runbook.engine.EngineServices;
import dev.runbook.engine.FileRunLocks;
import dev.runbook.engine.Gate;
import dev.runbook.engine.Hosts;
import dev.runbook.engine.RunControl;
import dev.runbook.engine.RunListener;
import dev.runbook.engine.RunOutcome;
import dev.runbook.engine.RunRequest;
import dev.runbook.exec.Connector;
import dev.runbook.exec.HttpRunner;
import dev.runbook.exec.LocalRunner;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.RunbookPaths;
import dev.runbook.model.Runbook;
import dev.runbook.model.Target;
import dev.runbook.testing.Postgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runbooks with sql steps, run by the engine against a host whose inventory vars name a real database. */
class SqlRunbookIT {
    static Postgres pg;
    static Target db1;

    @TempDir
    Path dir;
    final List<AuditEvent> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void startPostgres() throws IOException {
        pg = Postgres.start();
        pg.createDatabase("nucleus");
        db1 = Databases.host("db1", Map.of("nucleus", Databases.connection(pg, "nucleus")));
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void tables() {
        pg.execute("nucleus", "DROP TABLE IF EXISTS audit_logs, \"Odd \"\"Name\"\"\";"
                + " CREATE TABLE audit_logs (id serial PRIMARY KEY, created timestamptz NOT NULL, message text);"
                + " INSERT INTO audit_logs (created, message)"
                + "   SELECT now() - g * interval '1 day' + interval '12 hours', 'event ' || g FROM generate_series(1, 100) g");
    }

    private RunOutcome run(String yaml, Map<String, String> params, RunControl control) throws IOException {
        Path file = Files.writeString(dir.resolve("rb-" + System.nanoTime() + ".yaml"), yaml);
        RunbookLoader loader = new RunbookLoader(new RunbookPaths(dir, null));
        Runbook rb = loader.require(file);
        LocalRunner local = new LocalRunner(dir.resolve("tmp"));
        Connector connector = t -> local;
        Hosts hosts = pattern -> List.of(db1);
        Gate gate = r -> Gate.Decision.approve("tester", "flag");
        try (JsonlAuditTrail audit = new JsonlAuditTrail(dir.resolve("state/audit.jsonl"));
             PostgresExecutor sql = new PostgresExecutor(Databases.env(pg))) {
            EngineServices services = new EngineServices(connector, hosts, new HttpRunner(), sql, gate, audit,
                    new FileRunLocks(dir.resolve("state/locks")), loader, Databases.env(pg), dir.resolve("tmp"));
            RunListener listener = events::add;
            return new Engine(services).run(new RunRequest(rb, params, null, null, false, false,
                    new AuditEvent.Actor("tester", "flag"), null, "test"), listener, control);
        }
    }

    private Map<String, Object> finished(String step) {
        return events.stream().filter(e -> e.type().equals("step.finished") && step.equals(e.step())).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no step.finished for " + step + " in " + events)).data();
    }

    @Test
    void aMaintenanceRunbookDeletesOldRowsVacuumsAndDecidesByTheRowsItRead() throws IOException {
        RunOutcome outcome = run("""
                name: retention
                targets: db1
                params:
                  keep_days: {type: int, default: 30}
                steps:
                  - id: old
                    sql: SELECT count(*) AS n FROM audit_logs WHERE created < now() - {{ params.keep_days }} * interval '1 day'
                    database: nucleus
                  - id: delete
                    sql: DELETE FROM audit_logs WHERE created < now() - {{ params.keep_days }} * interval '1 day'
                    when: steps.old.rows[0].n > 0
                  - id: deleted-them-all
                    assert: steps.delete.row_count == steps.old.rows[0].n
                  - id: vacuum
                    sql: VACUUM ANALYZE audit_logs
                  - id: reindex
                    sql: REINDEX DATABASE nucleus
                    statement_timeout: 60s
                """, Map.of("keep_days", "30"), new RunControl());

        assertThat(outcome.status()).as(outcome.message() + " " + events).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM audit_logs")).isEqualTo(30L);
        assertThat(pg.queryValue("nucleus", "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'audit_logs'"))
                .isEqualTo(true);
    }

    @Test
    void templatedValuesReachTheDatabaseAsDataAndNamesAsQuotedIdentifiers() throws IOException {
        RunOutcome outcome = run("""
                name: injection
                targets: db1
                vars:
                  table: 'Odd "Name"'
                  evil: "x'); DROP TABLE audit_logs; --"
                steps:
                  - id: create
                    sql: CREATE TABLE {{ ident(vars.table) }} (id int, note text)
                  - id: insert
                    sql: INSERT INTO {{ ident(vars.table) }} VALUES (1, {{ vars.evil }})
                  - id: read
                    sql: SELECT note FROM {{ ident(vars.table) }} WHERE id = {{ 1 }}
                  - id: same
                    assert: steps.read.rows[0].note == vars.evil
                """, Map.of(), new RunControl());

        assertThat(outcome.status()).as(outcome.message() + " " + events).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(pg.queryValue("nucleus", "SELECT to_regclass('audit_logs') IS NOT NULL")).isEqualTo(true);
        assertThat(pg.queryValue("nucleus", "SELECT note FROM \"Odd \"\"Name\"\"\"")).isEqualTo("x'); DROP TABLE audit_logs; --");
    }

    @Test
    void aFailingStatementFailsTheRunWithItsSqlstateUnlessTolerated() throws IOException {
        RunOutcome outcome = run("""
                name: errors
                targets: db1
                steps:
                  - id: probe
                    sql: SELECT * FROM nope
                    on_failure: continue
                  - id: knew-why
                    assert: steps.probe.sqlstate == '42P01'
                  - id: broken
                    sql: SELECT * FROM nope
                  - id: never
                    sql: SELECT 1
                """, Map.of(), new RunControl());

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(finished("knew-why")).containsEntry("outcome", "ok");
        assertThat(finished("broken")).containsEntry("outcome", "failed");
        // the statement's position in the runbook, then the server's error with its SQLSTATE
        assertThat(String.valueOf(finished("broken").get("message")))
                .matches(".*\\.yaml:\\d+:\\d+: ERROR 42P01: relation \"nope\" does not exist \\(at character 15\\)");
        assertThat(events).noneMatch(e -> "never".equals(e.step()) && e.type().equals("step.started"));
    }

    @Test
    void ctrlCDuringAStatementCancelsItOnTheServerAndInterruptsTheRun() throws Exception {
        RunControl control = new RunControl();
        CompletableFuture<RunOutcome> running = CompletableFuture.supplyAsync(() -> {
            try {
                return run("""
                        name: slow
                        targets: db1
                        steps:
                          - id: sleep
                            sql: SELECT pg_sleep(60), 'slow-runbook-marker'
                        """, Map.of(), control);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        awaitActive("slow-runbook-marker");

        control.interrupt("Ctrl-C");
        RunOutcome outcome = running.get(10, TimeUnit.SECONDS);

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.INTERRUPTED);
        assertThat(finished("sleep")).containsEntry("outcome", "cancelled");
        assertThat(activeQueries("slow-runbook-marker")).isZero();
    }

    private static void awaitActive(String marker) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (activeQueries(marker) == 0) {
            assertThat(System.nanoTime()).as("statement with %s running", marker).isLessThan(end);
            Thread.sleep(20);
        }
    }

    private static long activeQueries(String marker) {
        return ((Number) pg.queryValue("nucleus", "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                + " AND query LIKE '%" + marker + "%' AND pid <> pg_backend_pid()")).longValue();
    }
}
