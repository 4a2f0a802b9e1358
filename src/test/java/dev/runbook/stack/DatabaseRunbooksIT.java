package dev.runbook.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Postgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * database-recovery and db-maintenance against a real PostgreSQL with a {@code nucleus} database:
 * tables with indexes, old {@code audit_logs} rows, and sessions of other clients.
 */
class DatabaseRunbooksIT {
    static Postgres pg;

    @TempDir
    Path dir;
    Path inventory;
    Cli cli;
    final List<Connection> clients = new ArrayList<>();

    @BeforeAll
    static void startPostgres() throws IOException {
        pg = Postgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void aNucleusDatabase() {
        pg.createDatabase("nucleus");
        pg.execute("nucleus", """
                CREATE TABLE projects (id serial PRIMARY KEY, name text NOT NULL);
                CREATE TABLE files (id serial PRIMARY KEY, project_id int NOT NULL REFERENCES projects,
                                    path text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
                CREATE INDEX idx_files_project_created ON files (project_id, created_at);
                CREATE TABLE audit_logs (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, message text);
                INSERT INTO projects (name) SELECT 'project ' || g FROM generate_series(1, 10) g;
                INSERT INTO files (project_id, path) SELECT 1 + g % 10, '/shots/' || g || '.usd' FROM generate_series(1, 2000) g;
                INSERT INTO audit_logs (created_at, message)
                  SELECT now() - g * interval '1 day' + interval '12 hours', 'event ' || g FROM generate_series(1, 200) g;
                """);
        inventory = new StackInventory().database(pg)
                .var("pg_restore", "runuser -u postgres -- " + bin("pg_restore") + " --host=" + pg.dataDir().getParent()
                        + " --port=" + pg.port() + " --dbname=nucleus")
                .write(dir.resolve("inventory.yaml"));
        cli = StackInventory.cli(dir).withEnv("NUCLEUS_DB_PASSWORD", pg.password());
    }

    @AfterEach
    void closeClients() throws SQLException {
        cancelBusy();
        for (Connection c : clients) {
            c.close();
        }
    }

    @Test
    void databaseRecoveryEndsTheIdleSessionsOfTheDatabaseButNotItsOwnNorBusyNorOtherRunsOnes() throws Exception {
        List<Connection> idle = List.of(client("nucleus", "nucleus-app"), client("nucleus", "nucleus-app"), client("nucleus", "worker"));
        Connection otherDatabase = client("postgres", "nucleus-app");
        Connection otherRun = client("nucleus", "runbook");
        Connection busy = client("nucleus", "report");
        CompletableFuture<Void> longQuery = CompletableFuture.runAsync(() -> sleepOn(busy, 60));
        awaitActive("report");
        long indexBefore = filenode("idx_files_project_created");

        Cli.Result r = cli.run("run", "database-recovery", "-i", inventory.toString(), "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        for (Connection c : idle) {
            assertThat(c.isValid(2)).as("an idle session of nucleus").isFalse();
        }
        assertThat(otherDatabase.isValid(2)).as("an idle session of another database").isTrue();
        assertThat(otherRun.isValid(2)).as("another run's session").isTrue();
        assertThat(longQuery).as("a busy session").isNotDone();
        assertThat(r.output()).contains("idle sessions terminated: 3 of 3");
        assertThat(finished("idle-gone").path("backend_pid").asLong()).as("the run's own session, after the terminations")
                .isEqualTo(finished("server").path("backend_pid").asLong()).isPositive();
        assertThat(filenode("idx_files_project_created")).as("a REINDEX writes the index anew").isNotEqualTo(indexBefore);
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NULL")).isEqualTo(0L);
        cancelBusy();
        longQuery.handle((v, e) -> null).get(10, TimeUnit.SECONDS);
    }

    @Test
    void pgRestoreWaitsForTheHostNameToBeTyped() throws Exception {
        Path dump = dump();
        pg.execute("nucleus", "DELETE FROM files WHERE id > 100");
        String[] args = {"run", "database-recovery", "-i", inventory.toString(), "-p", "restore=true", "-p", "dump=" + dump,
            "--approve", "analyze", "--approve", "terminate-idle"};

        Cli.Result refused = cli.run(args);

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM files")).isEqualTo(100L);

        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal(args)) {
            run.awaitOutput("type " + StackInventory.HOST + " to proceed");
            run.type(StackInventory.HOST + "\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM files")).isEqualTo(2000L);
        assertThat(r.output()).contains("restored from " + dump + ": yes");
    }

    @Test
    void dbMaintenanceDeletesOnlyTheRowsPastTheRetentionThenVacuumsAndAnalyzes() {
        Cli.Result r = cli.run("run", "db-maintenance", "-i", inventory.toString(), "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM audit_logs")).isEqualTo(90L);
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM audit_logs WHERE created_at < now() - interval '90 days'"))
                .isEqualTo(0L);
        assertThat(pg.queryValue("nucleus", "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
                + " FROM pg_stat_user_tables WHERE relname = 'audit_logs'")).isEqualTo(true);
        assertThat(r.output()).contains("audit_logs: 110 rows deleted")
                .contains("pg_stat_statements is not installed in this database")
                .contains("index use, least used first").contains("idx_files_project_created");
    }

    @Test
    void dbMaintenanceDeletesNothingWithoutApproval() {
        Cli.Result r = cli.run("run", "db-maintenance", "-i", inventory.toString(), "-p", "retention_days=30");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM audit_logs")).isEqualTo(200L);
    }

    @Test
    void theSlowestQueriesComeFromPgStatStatementsWhenItIsLoaded() throws IOException {
        pg.execute("postgres", "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
        pg.execute("postgres", "CHECKPOINT");   // the fixture restarts with -m immediate and synchronous_commit=off
        pg.restart();
        try {
            pg.execute("nucleus", "CREATE EXTENSION pg_stat_statements");
            pg.execute("nucleus", "SELECT count(*), pg_sleep(0.2) FROM files WHERE path LIKE '%7.usd'");

            Cli.Result r = cli.run("run", "db-maintenance", "-i", inventory.toString(), "--yes");

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.output()).contains("slowest queries:").contains("pg_sleep").doesNotContain("No slow-query report");
        } finally {
            pg.execute("postgres", "ALTER SYSTEM RESET shared_preload_libraries");
            pg.restart();
        }
    }

    @Test
    void onlyTheIdleSessionsTheGateListedAreTerminated() throws Exception {
        Connection listed = client("nucleus", "nucleus-app");

        Cli.Result r;
        Connection late;
        try (Cli.Running run = cli.startOnTerminal("run", "database-recovery", "-i", inventory.toString(),
                "--approve", "reindex", "--approve", "analyze")) {
            run.awaitOutput("Terminate 1 idle sessions");
            // a session that went idle while the operator read the prompt was not approved
            late = client("nucleus", "late-app");
            run.type("y\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(listed.isValid(2)).as("the session the gate listed").isFalse();
        assertThat(late.isValid(2)).as("a session that was not listed").isTrue();
    }

    @Test
    void aMissingArchiveFailsItsCheckBeforeTheHostNameIsAsked() {
        Path missing = dir.resolve("missing.dump");

        Cli.Result r = cli.run("run", "database-recovery", "-i", inventory.toString(), "-p", "restore=true",
                "-p", "dump=" + missing, "--approve", "analyze", "--approve", "terminate-idle");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).contains("could not open input file");
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.asked")).as("the restore's gate").isEmpty();
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM files")).isEqualTo(2000L);
    }

    @Test
    void dbMaintenanceRunsAsTheDatabaseOwnerWithoutSuperuserAndSaysWhatItCannotTell() throws IOException {
        String owner = "owner_" + Long.toHexString(System.nanoTime());
        pg.execute("postgres", "CREATE ROLE " + owner + " LOGIN PASSWORD 'owner-pw'");
        pg.execute("postgres", "ALTER DATABASE nucleus OWNER TO " + owner);
        pg.execute("nucleus", "CREATE EXTENSION pg_stat_statements; ALTER TABLE audit_logs OWNER TO " + owner);
        Path ownerInventory = new StackInventory().var("runbook_databases", java.util.Map.of("nucleus", java.util.Map.of(
                "url", pg.jdbcUrl("nucleus"), "user", owner, "password", "env:NUCLEUS_DB_PASSWORD")))
                .write(dir.resolve("owner-inventory.yaml"));

        Cli.Result r = StackInventory.cli(dir).withEnv("NUCLEUS_DB_PASSWORD", "owner-pw")
                .run("run", "db-maintenance", "-i", ownerInventory.toString(), "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).contains("whether it is loaded cannot be told: " + owner
                + " may not read shared_preload_libraries (GRANT pg_read_all_settings TO " + owner + ")");
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM audit_logs")).isEqualTo(90L);
    }

    @Test
    void aRetentionOfZeroDaysIsRefusedBeforeAnythingRuns() {
        Cli.Result r = cli.run("run", "db-maintenance", "-i", inventory.toString(), "-p", "retention_days=0", "--yes");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("param 'retention_days' (int): '0' does not match the pattern");
        assertThat(pg.queryValue("nucleus", "SELECT count(*) FROM audit_logs")).isEqualTo(200L);
    }

    /** The JSON data of the last step.finished event of {@code step}. */
    private JsonNode finished(String step) {
        return AuditLog.ofType(cli.auditFile(), "step.finished").stream().filter(e -> step.equals(e.path("step").asText()))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no step.finished for " + step)).path("data");
    }

    /** A client session, idle once connected. */
    private Connection client(String database, String application) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", Postgres.SUPERUSER);
        p.setProperty("password", pg.password());
        p.setProperty("ApplicationName", application);
        Connection c = DriverManager.getConnection(pg.jdbcUrl(database), p);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
        clients.add(c);
        return c;
    }

    private static void sleepOn(Connection c, int seconds) {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_sleep(" + seconds + ")");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void cancelBusy() {
        pg.execute("postgres", "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'report'");
    }

    private static void awaitActive(String application) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Long.valueOf(1).equals(pg.queryValue("nucleus",
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND application_name = '" + application + "'"))) {
            assertThat(System.nanoTime()).as("a busy session").isLessThan(end);
            Thread.sleep(20);
        }
    }

    private static long filenode(String relation) {
        return ((Number) pg.queryValue("nucleus", "SELECT pg_relation_filenode('" + relation + "')")).longValue();
    }

    /** A pg_dump archive (custom format) of nucleus as it is now. */
    private Path dump() throws IOException, InterruptedException {
        Path file = dir.resolve("nucleus_backup.dump");
        Process p = new ProcessBuilder("runuser", "-u", "postgres", "--", bin("pg_dump"), "--host=" + pg.dataDir().getParent(),
                "--port=" + pg.port(), "--format=custom", "nucleus")
                .redirectOutput(file.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("pg_dump succeeded").isTrue();
        return file;
    }

    /** A PostgreSQL tool from the binaries the fixture runs (RUNBOOK_PG_BIN, else the newest /usr/lib/postgresql/N/bin). */
    private static String bin(String tool) {
        String override = System.getenv("RUNBOOK_PG_BIN");
        if (override != null && !override.isBlank()) {
            return Path.of(override, tool).toString();
        }
        try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin").resolve(tool)))
                    .max(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .orElseThrow(() -> new AssertionError("no " + tool + " in /usr/lib/postgresql/*/bin"))
                    .resolve("bin").resolve(tool).toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
