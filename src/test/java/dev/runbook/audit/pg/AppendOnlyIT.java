package dev.runbook.audit.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.testing.Cli;
import dev.runbook.testing.Postgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL trail is append-only: an operator's role, granted what README says, runs, reads
 * and verifies but cannot rewrite, drop or switch off anything; even the tables' owner cannot
 * update or delete an event; the owner keeps migrations, partitions and retention.
 */
class AppendOnlyIT {
    static final Postgres PG = Postgres.shared();
    static final String PASSWORD = UUID.randomUUID().toString();

    @TempDir
    Path home;

    String db;
    String owner;
    String operator;
    Path runbook;
    String partition;

    @BeforeEach
    void anOwnerAndAnOperator() throws IOException {
        db = PgTesting.freshDatabase(PG);
        owner = "owner_" + db;
        operator = "operator_" + db;
        PG.execute(db, "CREATE ROLE " + owner + " LOGIN PASSWORD '" + PASSWORD + "'; CREATE ROLE " + operator + " LOGIN PASSWORD '"
                + PASSWORD + "'; GRANT CREATE ON DATABASE " + db + " TO " + owner);
        runbook = Files.writeString(home.resolve("ok.yaml"), "name: ok\nsteps:\n  - id: a\n    run: echo hello\n");
        partition = "runbook." + AuditSchema.partitionName(YearMonth.now(ZoneOffset.UTC));
    }

    /** The CLI as a role, in a home (working and state directory) of its own. */
    Cli as(String role) throws IOException {
        return Cli.in(Files.createDirectories(home.resolve(role))).withTimeout(Duration.ofSeconds(60))
                .withEnv("RUNBOOK_AUDIT_URL", PG.jdbcUrl(db)).withEnv("RUNBOOK_AUDIT_USER", role)
                .withEnv("RUNBOOK_AUDIT_PASSWORD", PASSWORD);
    }

    Connection connect(String role) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", role);
        p.setProperty("password", PASSWORD);
        return DriverManager.getConnection(PG.jdbcUrl(db), p);
    }

    /** Runs each statement on its own as the role; the messages of those refused, in order (null where one passed). */
    List<String> tryAs(String role, String... statements) throws SQLException {
        try (Connection c = connect(role); Statement st = c.createStatement()) {
            return java.util.Arrays.stream(statements).map(sql -> {
                try {
                    st.execute(sql);
                    return null;
                } catch (SQLException e) {
                    return e.getMessage().lines().findFirst().orElse("");
                }
            }).toList();
        }
    }

    /** The owner's grants, exactly as README shows them. */
    void grantAsReadmeSays() throws IOException {
        Matcher m = Pattern.compile("(?ms)^```sql\\n(GRANT USAGE ON SCHEMA.*?)^```").matcher(Files.readString(Path.of("README.md")));
        assertThat(m.find()).as("README's grants for the operator's role").isTrue();
        PG.execute(db, "SET ROLE " + owner + "; " + m.group(1).replace("runbook_operator", operator));
    }

    void prepared() throws IOException {
        Cli.Result prepare = as(owner).run("audit", "prepare");
        assertThat(prepare.exitCode()).as(prepare.toString()).isZero();
        assertThat(prepare.stdout()).contains("tables at version 2, owned by role '" + owner + "'; partitions through "
                + YearMonth.now(ZoneOffset.UTC).plusMonths(2)).contains("(created " + partition.substring(8));
        grantAsReadmeSays();
    }

    @Test
    void anOperatorsRunsAreRecordedAndVerifyButItCannotRewriteDropOrSwitchOffAnything() throws Exception {
        prepared();
        String nextMonth = AuditSchema.partitionName(YearMonth.now(ZoneOffset.UTC).plusMonths(1));
        PG.execute(db, "DROP TABLE runbook." + nextMonth);  // the months ahead are the owner's to create
        Cli op = as(operator);
        for (int i = 0; i < 2; i++) {
            Cli.Result run = op.run("run", runbook.toString());
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.stderr()).as("no fallback, no notice").doesNotContain("runbook:");
        }

        List<String> refused = tryAs(operator,
                "UPDATE runbook.audit_events SET line = replace(line, 'hello', 'HELLO')",
                "DELETE FROM runbook.audit_events",
                "TRUNCATE runbook.audit_events",
                "ALTER TABLE runbook.audit_events DISABLE TRIGGER append_only",
                "ALTER TABLE " + partition + " DISABLE TRIGGER ALL",
                "DROP TABLE " + partition,
                "ALTER TABLE runbook.audit_events DETACH PARTITION " + partition,
                "UPDATE " + partition + " SET line = ''",
                "CREATE TABLE runbook.audit_events_y2099m01 PARTITION OF runbook.audit_events"
                        + " FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')");

        assertThat(refused).containsExactly(
                "ERROR: permission denied for table audit_events",
                "ERROR: permission denied for table audit_events",
                "ERROR: permission denied for table audit_events",
                "ERROR: must be owner of table audit_events",
                "ERROR: must be owner of table " + partition.substring(8),
                "ERROR: must be owner of table " + partition.substring(8),
                "ERROR: must be owner of table audit_events",
                "ERROR: permission denied for table " + partition.substring(8),
                "ERROR: permission denied for schema runbook");
        Cli.Result verify = op.run("audit", "verify");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.stdout()).contains("8 events, chain intact");
        Matcher head = Pattern.compile("head: position 8, hash ([0-9a-f]{16})").matcher(verify.stdout());
        assertThat(head.find()).as(verify.toString()).isTrue();
        assertThat(op.run("audit", "verify", "--expect-head", head.group(1)).stdout())
                .contains("✓ the expected head " + head.group(1) + " is still in the chain, at position 8");
        assertThat(op.run("history").stdout()).containsPattern("(?s)ok\\s+succeeded.*ok\\s+succeeded");
        assertThat(MigrationsIT.tables(db)).as("what the operator's role may not create").doesNotContain(nextMonth);
    }

    @Test
    void aDaemonUnderTheOperatorsRoleFiresAndAuditsWithItsSchedulerTablesWhereItsJdbcRoleMayCreateThem() throws Exception {
        prepared();
        Cli op = as(operator).withEnv("RUNBOOK_DAEMON_JDBC_PASSWORD", PASSWORD);
        dev.runbook.schedule.Daemons.write(op.workDir(), "runbooks/pulse.yaml", dev.runbook.schedule.Daemons.pulseRunbook("pulse"));
        dev.runbook.schedule.Daemons.write(op.workDir(), "schedules/pulse.yaml",
                "schedules:\n  - {id: every-second, runbook: pulse, cron: \"* * * * * ?\"}\n");

        Cli.Result stopped;
        try (dev.runbook.schedule.Daemons.Running d = dev.runbook.schedule.Daemons.start(op, "--node", "n1",
                "--jdbc-url", PG.jdbcUrl(db), "--jdbc-user", owner)) {
            assertThat(dev.runbook.testing.Processes.eventually(Duration.ofSeconds(30), () -> finishedRuns() >= 2))
                    .as(d.output()).isTrue();
            stopped = d.stop(Duration.ofSeconds(60));
        }

        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(PG.query(db, "SELECT DISTINCT tableowner FROM pg_tables WHERE tablename LIKE 'qrtz_%'"))
                .extracting(r -> r.get("tableowner")).containsExactly(owner);
        Cli.Result history = op.run("history");
        assertThat(history.stdout()).as(history.toString()).containsPattern("pulse\\s+succeeded.*schedule@n1");
        Cli.Result verify = op.run("audit", "verify");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(op.state().resolve("spool")).as("nothing waited in a spool: the operator's role wrote every event")
                .satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }

    private long finishedRuns() {
        return ((Number) PG.queryValue(db, "SELECT count(*) FROM runbook.audit_events WHERE type = 'run.finished'")).longValue();
    }

    @Test
    void evenTheOwnerCannotUpdateDeleteOrTruncateEvents() throws Exception {
        prepared();
        assertThat(as(operator).run("run", runbook.toString()).exitCode()).isZero();

        List<String> refused = tryAs(owner,
                "UPDATE runbook.audit_events SET line = replace(line, 'hello', 'HELLO')",
                "DELETE FROM runbook.audit_events WHERE type = 'run.finished'",
                "TRUNCATE runbook.audit_events",
                "TRUNCATE " + partition,
                "TRUNCATE runbook.audit_imports",
                "TRUNCATE runbook.audit_checkpoints");

        String name = partition.substring(8);
        assertThat(refused).containsExactly(
                "ERROR: the audit trail is append-only: UPDATE of runbook." + name + " refused",
                "ERROR: the audit trail is append-only: DELETE of runbook." + name + " refused",
                "ERROR: the audit trail is append-only: TRUNCATE of runbook.audit_events refused",
                "ERROR: the audit trail is append-only: TRUNCATE of runbook." + name + " refused",
                "ERROR: the audit trail is append-only: TRUNCATE of runbook.audit_imports refused",
                "ERROR: the audit trail is append-only: TRUNCATE of runbook.audit_checkpoints refused");
        assertThat(PG.queryValue(db, "SELECT count(*) FROM runbook.audit_events")).isEqualTo(4L);
    }

    @Test
    void retentionIsTheOwnersAndStillDropsOldMonthsLeavingACheckpointNobodyCanChange() throws Exception {
        prepared();
        Cli op = as(operator);
        assertThat(op.run("run", runbook.toString()).exitCode()).isZero();
        YearMonth old = YearMonth.now(ZoneOffset.UTC).minusMonths(3);
        try (Connection c = connect(owner)) {
            c.setAutoCommit(false);
            AuditSchema.ensurePartitionUncached(c, PgTesting.settings(PG, db), old);
            c.commit();
        }
        PgTesting.bypassingTriggers(PG, db, "UPDATE runbook.audit_events SET recorded_at = recorded_at - interval '3 months'");
        assertThat(op.run("run", runbook.toString()).exitCode()).isZero();

        Cli.Result refused = op.run("audit", "retention", "--keep-months", "1");
        Cli.Result dropped = as(owner).run("audit", "retention", "--keep-months", "1");

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.stderr().strip()).isEqualTo("runbook: error: audit trail: runbook audit retention drops partitions, which only the audit"
                + " tables' owner (role '" + owner + "') may do, and this is role '" + operator + "'");
        assertThat(dropped.exitCode()).as(dropped.toString()).isZero();
        assertThat(dropped.stdout()).contains("✓ dropped 1 partition (" + AuditSchema.partitionName(old) + ") holding 4 events");
        Cli.Result verify = op.run("audit", "verify");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.stdout()).contains("chain intact from the checkpoint at position 4");
        assertThat(tryAs(owner, "UPDATE runbook.audit_checkpoints SET hash = 'x'", "DELETE FROM runbook.audit_checkpoints"))
                .containsExactly("ERROR: the audit trail is append-only: UPDATE of runbook.audit_checkpoints refused",
                        "ERROR: the audit trail is append-only: DELETE of runbook.audit_checkpoints refused");
    }

    @Test
    void anOperatorAtAMonthWithNoPartitionIsToldWhoMustCreateItAndItsRunIsDeliveredOnceThereIsOne() throws Exception {
        prepared();
        PG.execute(db, "DROP TABLE " + partition);
        Cli op = as(operator);
        String missing = "runbook.audit_events has no partition for " + YearMonth.now(ZoneOffset.UTC) + " and role '" + operator
                + "' may not create one: the tables' owner (role '" + owner + "') creates it and the months ahead with runbook audit prepare";

        Cli.Result run = op.run("run", runbook.toString());
        Cli.Result flush = op.run("audit", "flush");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.output()).contains("audit: PostgreSQL at " + PG.host() + ":" + PG.port() + "/" + db + ": " + missing
                + "; the run goes on");
        assertThat(flush.exitCode()).as(flush.toString()).isEqualTo(1);
        assertThat(flush.stderr().strip()).isEqualTo("runbook: error: audit trail: " + missing);

        assertThat(as(owner).run("audit", "prepare").stdout()).contains("(created " + partition.substring(8) + ")");
        Cli.Result delivered = op.run("audit", "flush");
        assertThat(delivered.stdout()).as(delivered.toString()).contains("✓ 4 spooled events delivered");
        assertThat(op.run("audit", "verify").stdout()).contains("4 events, chain intact");
    }

    @Test
    void anOperatorFindingTablesOlderThanThisRunbookIsToldWhoMustMigrateThem() throws Exception {
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        try (Connection c = connect(owner); Statement st = c.createStatement()) {
            Migrator.migrate(c, "runbook", AuditSchema.COMPONENT, AuditSchema.MIGRATIONS.subList(0, 1));
            st.execute("CREATE TABLE " + partition + " PARTITION OF runbook.audit_events FOR VALUES FROM ('"
                    + now.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC) + "') TO ('"
                    + now.plusMonths(1).atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC) + "')");
        }
        grantAsReadmeSays();
        Cli op = as(operator);

        Cli.Result flush = op.run("audit", "flush");

        assertThat(flush.exitCode()).as(flush.toString()).isEqualTo(1);
        assertThat(flush.stderr().strip()).isEqualTo("runbook: error: audit trail: the audit tables in schema runbook are at version 1 and this"
                + " runbook needs version 2, which role '" + operator + "' may not apply: the tables' owner (role '" + owner
                + "') applies it with runbook audit prepare");
        assertThat(as(owner).run("audit", "prepare").exitCode()).isZero();
        assertThat(op.run("run", runbook.toString()).stderr()).doesNotContain("runbook:");
        assertThat(tryAs(owner, "TRUNCATE " + partition)).as("the migration reached the partitions made before it")
                .containsExactly("ERROR: the audit trail is append-only: TRUNCATE of " + partition + " refused");
    }

    @Test
    void anOperatorCannotCreateTheTablesAndSaysWhoShould() throws Exception {
        Cli.Result flush = as(operator).run("audit", "flush");

        assertThat(flush.exitCode()).as(flush.toString()).isEqualTo(1);
        assertThat(flush.stderr().strip()).isEqualTo("runbook: error: audit trail: the audit tables in schema runbook do not exist yet and role '"
                + operator + "' may not create them (permission denied for database " + db + "): create them once as the role"
                + " that is to own them, with runbook audit prepare");
    }

    @Test
    void prepareIsTheOwnersToRun() throws Exception {
        prepared();

        Cli.Result refused = as(operator).run("audit", "prepare");
        Cli.Result ahead = as(owner).run("audit", "prepare", "--months-ahead", "5");

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr().strip()).isEqualTo("runbook: error: audit trail: runbook audit prepare creates the monthly partitions, which only"
                + " the audit tables' owner (role '" + owner + "') may do, and this is role '" + operator + "'");
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        assertThat(ahead.stdout()).contains("partitions through " + now.plusMonths(5) + " (created "
                + AuditSchema.partitionName(now.plusMonths(3)) + ", " + AuditSchema.partitionName(now.plusMonths(4)) + ", "
                + AuditSchema.partitionName(now.plusMonths(5)) + ")");
    }
}
