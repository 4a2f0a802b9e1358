package dev.runbook.exec.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.StepResult;
import dev.runbook.engine.StepResult.Outcome;
import dev.runbook.exec.Cancellation;
import dev.runbook.model.Target;
import dev.runbook.testing.Postgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named connections: how a step finds its database, logs in, and says why it could not. */
class ConnectionsIT {
    private static final String WRONG = "hunter2-not-the-password";
    static Postgres pg;

    @BeforeAll
    static void startPostgres() throws IOException {
        pg = Postgres.start();
        pg.createDatabase("nucleus");
        pg.createDatabase("audit");
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    private static StepResult select(Target host, String database, Map<String, String> env) {
        try (PostgresExecutor sql = new PostgresExecutor(env)) {
            return sql.execute(host, database, "SELECT current_database() AS db", List.of(), Duration.ofSeconds(10), true,
                    Cancellation.none());
        }
    }

    private static Map<String, Object> with(Map<String, Object> connection, String key, Object value) {
        Map<String, Object> c = new LinkedHashMap<>(connection);
        c.put(key, value);
        return c;
    }

    private static Object database(StepResult r) {
        assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.OK);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) r.fields().get("rows");
        return rows.get(0).get("db");
    }

    @Test
    void aStepWithoutADatabaseUsesTheOnlyOneConfigured() {
        Target host = Databases.host("db1", Map.of("nucleus", Databases.connection(pg, "nucleus")));

        assertThat(database(select(host, null, Databases.env(pg)))).isEqualTo("nucleus");
    }

    @Test
    void aStepWithoutADatabaseAmongSeveralIsToldToNameOne() {
        Target host = Databases.host("db1", Map.of("nucleus", Databases.connection(pg, "nucleus"),
                "audit", Databases.connection(pg, "audit")));

        StepResult r = select(host, null, Databases.env(pg));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).isEqualTo("several databases are configured for host 'db1' (audit, nucleus): name one with database:");
        assertThat(database(select(host, "audit", Databases.env(pg)))).isEqualTo("audit");
    }

    @Test
    void anUnknownDatabaseNameListsTheKnownOnes() {
        Target host = Databases.host("db1", Map.of("nucleus", Databases.connection(pg, "nucleus"),
                "audit", Databases.connection(pg, "audit")));

        assertThat(select(host, "nucleos", Databases.env(pg)).message())
                .isEqualTo("database 'nucleos' is not configured for host 'db1'; known: audit, nucleus");
    }

    @Test
    void aHostWithoutDatabasesSaysWhereToConfigureThem() {
        StepResult r = select(Target.LOCALHOST, "nucleus", Map.of());

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).startsWith("no database is configured for host 'localhost': give it an inventory var runbook_databases");
    }

    @Test
    void hostPortAndDbnameMayStandForTheUrl() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("host", pg.host());
        c.put("port", pg.port());
        c.put("user", Postgres.SUPERUSER);
        c.put("password", "env:" + Databases.PASSWORD_VAR);
        Target host = Databases.host("db1", Map.of("nucleus", c));

        assertThat(database(select(host, "nucleus", Databases.env(pg)))).isEqualTo("nucleus");
    }

    @Test
    void aPasswordMayComeFromAFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("pw"), pg.password() + "\n");
        Target host = Databases.host("db1", Map.of("nucleus", with(Databases.connection(pg, "nucleus"), "password", "file:" + file)));

        assertThat(database(select(host, "nucleus", Map.of()))).isEqualTo("nucleus");
    }

    @Test
    void aWrongPasswordIsAOneLineErrorThatDoesNotRepeatIt() {
        Target host = Databases.host("db1", Map.of("nucleus", Databases.connection(pg, "nucleus")));

        StepResult r = select(host, "nucleus", Map.of(Databases.PASSWORD_VAR, WRONG));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).isEqualTo("cannot connect to database 'nucleus' (127.0.0.1:" + pg.port() + "/nucleus as postgres): "
                + "FATAL 28P01: password authentication failed for user \"postgres\"");
        assertThat(r.toString()).doesNotContain(WRONG);
    }

    @Test
    void aMissingPasswordVariableIsNamedButNoValueShown() {
        Target host = Databases.host("db1", Map.of("nucleus", Databases.connection(pg, "nucleus")));

        assertThat(select(host, "nucleus", Map.of()).message())
                .isEqualTo("password of database 'nucleus': environment variable " + Databases.PASSWORD_VAR + " is not set");
    }

    @Test
    void aPasswordWrittenIntoTheInventoryIsRefusedWithoutEchoingIt() {
        Target host = Databases.host("db1", Map.of("nucleus", with(Databases.connection(pg, "nucleus"), "password", WRONG)));

        StepResult r = select(host, "nucleus", Map.of());

        assertThat(r.message()).isEqualTo("database 'nucleus' of host 'db1': password must be a secret reference,"
                + " env:VARIABLE or file:/path, never the password itself");
        assertThat(r.toString()).doesNotContain(WRONG);
    }

    @Test
    void aMisspelledSettingIsNamed() {
        Target host = Databases.host("db1", Map.of("nucleus", with(Databases.connection(pg, "nucleus"), "pasword", "env:X")));

        assertThat(select(host, "nucleus", Map.of()).message()).isEqualTo("database 'nucleus' of host 'db1': unknown key 'pasword';"
                + " expected connect_timeout, dbname, host, password, port, url, user");
    }

    @Test
    void aDatabaseMissingOnTheServerFailsWithItsSqlstate() {
        Target host = Databases.host("db1", Map.of("gone", Databases.connection(pg, "gone")));

        StepResult r = select(host, "gone", Databases.env(pg));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).endsWith("FATAL 3D000: database \"gone\" does not exist");
    }

    @Test
    void aPortWithNothingListeningIsUnreachableAtOnce() throws IOException {
        int port = freePort();
        Target host = Databases.host("db1", Map.of("nucleus", with(Databases.connection(pg, "nucleus"), "url",
                "jdbc:postgresql://127.0.0.1:" + port + "/nucleus")));
        long start = System.nanoTime();

        StepResult r = select(host, "nucleus", Databases.env(pg));

        assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
        assertThat(r.message()).isEqualTo("cannot connect to database 'nucleus' (127.0.0.1:" + port + "/nucleus as postgres):"
                + " connection refused");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aServerThatNeverAnswersIsUnreachableAfterTheConnectTimeout() throws IOException {
        // accepts TCP (the kernel's backlog) but never speaks: only the connect timeout ends the wait
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Map<String, Object> c = with(Databases.connection(pg, "nucleus"), "url",
                    "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/nucleus");
            c.put("connect_timeout", "1s");
            Target host = Databases.host("db1", Map.of("nucleus", c));
            long start = System.nanoTime();

            StepResult r = select(host, "nucleus", Databases.env(pg));

            assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
            assertThat(r.message()).endsWith("no answer within 1s (connect_timeout)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
        }
    }

    @Test
    void afterPostgresRestartsTheNextStepReconnects() throws IOException {
        Target host = Databases.host("db1", Map.of("nucleus", Databases.connection(pg, "nucleus")));
        try (PostgresExecutor sql = new PostgresExecutor(Databases.env(pg))) {
            StepResult before = sql.execute(host, null, "SELECT 1", List.of(), Duration.ofSeconds(10), true, Cancellation.none());
            pg.restart();

            StepResult after = sql.execute(host, null, "SELECT 1", List.of(), Duration.ofSeconds(10), true, Cancellation.none());

            assertThat(after.outcome()).as(after.message()).isEqualTo(Outcome.OK);
            assertThat(after.fields().get("backend_pid")).isNotEqualTo(before.fields().get("backend_pid"));
        }
    }

    @Test
    void whilePostgresIsDownAStepIsUnreachableAndTheOneAfterItsReturnWorks() throws IOException {
        Target host = Databases.host("db1", Map.of("nucleus", Databases.connection(pg, "nucleus")));
        try (PostgresExecutor sql = new PostgresExecutor(Databases.env(pg))) {
            sql.execute(host, null, "SELECT 1", List.of(), Duration.ofSeconds(10), true, Cancellation.none());
            pg.stopTemporarily();
            StepResult down;
            try {
                down = sql.execute(host, null, "SELECT 1", List.of(), Duration.ofSeconds(10), true, Cancellation.none());
            } finally {
                pg.restart();
            }

            assertThat(down.outcome()).isEqualTo(Outcome.UNREACHABLE);
            assertThat(down.message()).endsWith("connection refused");
            StepResult up = sql.execute(host, null, "SELECT 1", List.of(), Duration.ofSeconds(10), true, Cancellation.none());
            assertThat(up.outcome()).as(up.message()).isEqualTo(Outcome.OK);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
