package dev.runbook.audit.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.audit.AuditException;
import dev.runbook.testing.Postgres;
import java.sql.Connection;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The tool creates and migrates its own schema: idempotent, and safe when many processes start at once. */
class MigrationsIT {
    static final Postgres PG = Postgres.shared();

    static List<String> tables(String db) {
        return PG.query(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'runbook' ORDER BY 1")
                .stream().map(r -> r.get("table_name").toString()).toList();
    }

    @Test
    void migratingTwiceChangesNothingTheSecondTime() throws Exception {
        String db = PgTesting.freshDatabase(PG);
        PgSettings s = PgTesting.settings(PG, db);
        try (Connection c = PgConnections.open(s, "test", 30)) {
            Migrator.migrate(c, "runbook", AuditSchema.COMPONENT, AuditSchema.MIGRATIONS);
            List<String> after1 = tables(db);
            Object applied = PG.queryValue(db, "SELECT applied_at FROM runbook.schema_version");

            Migrator.migrate(c, "runbook", AuditSchema.COMPONENT, AuditSchema.MIGRATIONS);

            assertThat(tables(db)).isEqualTo(after1).contains("audit_events", "audit_head", "audit_checkpoints", "audit_imports",
                    "run_locks", "schema_version");
            assertThat(PG.query(db, "SELECT component, version FROM runbook.schema_version")).hasSize(AuditSchema.MIGRATIONS.size());
            assertThat(PG.queryValue(db, "SELECT applied_at FROM runbook.schema_version")).isEqualTo(applied);
        }
    }

    @Test
    void manyProcessesMigratingAtOnceAllSucceedAndMigrateOnce() throws Exception {
        String db = PgTesting.freshDatabase(PG);
        PgSettings s = PgTesting.settings(PG, db);
        int n = 8;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pool.submit(() -> {
                    try (Connection c = PgConnections.open(s, "test", 60)) {
                        go.await();
                        Migrator.migrate(c, "runbook", AuditSchema.COMPONENT, AuditSchema.MIGRATIONS);
                        c.setAutoCommit(false);
                        AuditSchema.ensurePartitionUncached(c, s, YearMonth.now(ZoneOffset.UTC).plusMonths(6));
                        c.commit();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(PG.queryValue(db, "SELECT count(*) FROM runbook.schema_version")).isEqualTo((long) AuditSchema.MIGRATIONS.size());
        assertThat(PG.queryValue(db, "SELECT count(*) FROM runbook.audit_head")).isEqualTo(1L);
        assertThat(tables(db)).contains(AuditSchema.partitionName(YearMonth.now(ZoneOffset.UTC).plusMonths(6)));
    }

    @Test
    void theMonthsAheadHavePartitionsBeforeAnyEventNeedsThem() throws Exception {
        String db = PgTesting.freshDatabase(PG);
        PgSettings s = PgTesting.settings(PG, db);
        try (Connection c = PgConnections.open(s, "test", 30)) {
            AuditSchema.forget(s);
            AuditSchema.prepare(c, s);
            YearMonth now = YearMonth.from(AuditSchema.dbNow(c));

            assertThat(AuditSchema.existing(c, s)).containsExactly(now, now.plusMonths(1), now.plusMonths(2));
        }
    }

    @Test
    void aSchemaMigratedByANewerRunbookIsRefusedWithAClearMessage() throws Exception {
        String db = PgTesting.freshDatabase(PG);
        PgSettings s = PgTesting.settings(PG, db);
        try (Connection c = PgConnections.open(s, "test", 30)) {
            Migrator.migrate(c, "runbook", AuditSchema.COMPONENT, AuditSchema.MIGRATIONS);
            PG.execute(db, "INSERT INTO runbook.schema_version (component, version, description) VALUES ('audit', 99, 'from the future')");

            assertThatThrownBy(() -> Migrator.migrate(c, "runbook", AuditSchema.COMPONENT, AuditSchema.MIGRATIONS))
                    .isInstanceOf(AuditException.class)
                    .hasMessage("the audit tables in schema runbook are at version 99, newer than this runbook knows (2): upgrade runbook");
        }
    }

    @Test
    void anotherComponentKeepsItsOwnVersionInTheSameTable() throws Exception {
        String db = PgTesting.freshDatabase(PG);
        PgSettings s = PgTesting.settings(PG, db);
        try (Connection c = PgConnections.open(s, "test", 30)) {
            Migrator.migrate(c, "runbook", AuditSchema.COMPONENT, AuditSchema.MIGRATIONS);
            Migrator.migrate(c, "runbook", "scheduler", List.of(new Migrator.Migration(1, "a table",
                    List.of("CREATE TABLE {schema}.scheduler_things (id int PRIMARY KEY)"))));

            assertThat(PG.query(db, "SELECT component, max(version) AS version FROM runbook.schema_version GROUP BY 1 ORDER BY 1"))
                    .extracting(r -> r.get("component") + "@" + r.get("version")).containsExactly("audit@2", "scheduler@1");
        }
    }
}
