package dev.runbook.audit.pg;

import dev.runbook.audit.AuditCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audit trail's tables and their monthly partitions.
 *
 * <p>{@code audit_events} holds each event's line exactly as the file store would write it,
 * plus columns for the queries (run, seq, type, runbook, time). All events form one hash chain,
 * in the order of {@code pos}, which a writer assigns while it holds the single row of
 * {@code audit_head} locked: writers on several machines take turns per batch, and the chain
 * stays one line of custody like the file's.
 *
 * <p>Partitions are by {@code recorded_at}, the time the event was chained (never earlier than
 * the previous batch's), not the event's own {@code ts}: so an older partition only ever holds
 * older chain positions, and dropping the oldest partitions cuts a prefix off the chain, never a
 * hole in it, even for events delivered late from a spool or imported from an old file.
 */
final class AuditSchema {
    static final String COMPONENT = "audit";
    static final int MONTHS_AHEAD = 2;
    private static final DateTimeFormatter PARTITION = DateTimeFormatter.ofPattern("'audit_events_y'yyyy'm'MM");
    /** Schemas already migrated by this process, and the partitions known to exist. */
    private static final Set<String> PREPARED = ConcurrentHashMap.newKeySet();
    private static final Set<String> PARTITIONS = ConcurrentHashMap.newKeySet();

    static final List<Migrator.Migration> MIGRATIONS = List.of(
            new Migrator.Migration(1, "audit events, chain head, checkpoints, imports, run locks", List.of(
                    "CREATE TABLE {schema}.audit_head (id smallint PRIMARY KEY CHECK (id = 1), pos bigint NOT NULL, "
                            + "hash text NOT NULL, recorded_at timestamptz NOT NULL)",
                    "INSERT INTO {schema}.audit_head VALUES (1, 0, '" + AuditCodec.GENESIS + "', '-infinity')",
                    "CREATE TABLE {schema}.audit_events (pos bigint NOT NULL, recorded_at timestamptz NOT NULL, "
                            + "run_id text COLLATE \"C\" NOT NULL, seq bigint NOT NULL, ts timestamptz NOT NULL, "
                            + "type text NOT NULL, runbook text, hash text NOT NULL, line text NOT NULL, "
                            + "PRIMARY KEY (pos, recorded_at)) PARTITION BY RANGE (recorded_at)",
                    "CREATE INDEX audit_events_run ON {schema}.audit_events (run_id, seq)",
                    "CREATE INDEX audit_events_started ON {schema}.audit_events (ts DESC) WHERE type = 'run.started'",
                    "CREATE INDEX audit_events_runbook_started ON {schema}.audit_events (runbook, ts DESC) "
                            + "WHERE type = 'run.started'",
                    "CREATE TABLE {schema}.audit_checkpoints (pos bigint PRIMARY KEY, hash text NOT NULL, "
                            + "cut_before timestamptz NOT NULL, partitions text[] NOT NULL, events bigint NOT NULL, "
                            + "created_by text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
                    "CREATE TABLE {schema}.audit_imports (id bigserial PRIMARY KEY, file text NOT NULL, "
                            + "file_sha256 text NOT NULL, file_head text NOT NULL, events bigint NOT NULL, "
                            + "imported bigint NOT NULL, imported_by text NOT NULL, imported_at timestamptz NOT NULL DEFAULT now())",
                    "CREATE TABLE {schema}.run_locks (lock_key bigint PRIMARY KEY, runbook text NOT NULL, "
                            + "target_key text NOT NULL, run_id text NOT NULL, pid bigint NOT NULL, username text, "
                            + "machine text, started_at text, backend_pid int NOT NULL, "
                            + "acquired_at timestamptz NOT NULL DEFAULT now())")));

    private AuditSchema() {}

    /**
     * Migrates the schema and creates the partitions of this month and the next {@value #MONTHS_AHEAD}
     * when missing; once per process and database.
     */
    static void prepare(Connection c, PgSettings s) throws SQLException {
        String id = s.url() + "#" + s.schema();
        if (PREPARED.contains(id)) {
            return;
        }
        Migrator.migrate(c, s.schema(), COMPONENT, MIGRATIONS);
        YearMonth now = YearMonth.from(dbNow(c));
        List<YearMonth> wanted = new ArrayList<>();
        for (int i = 0; i <= MONTHS_AHEAD; i++) {
            wanted.add(now.plusMonths(i));
        }
        if (!existing(c, s).containsAll(wanted)) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                for (YearMonth m : wanted) {
                    ensurePartition(c, s, m);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                forget(s);
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
        wanted.forEach(m -> PARTITIONS.add(id + "#" + m));
        PREPARED.add(id);
    }

    /** Whether this process knows that the month's partition exists. */
    static boolean knows(PgSettings s, YearMonth m) {
        return PARTITIONS.contains(s.url() + "#" + s.schema() + "#" + m);
    }

    /** Forgets what this process knows about a database (a test dropped it, a retention dropped partitions). */
    static void forget(PgSettings s) {
        String id = s.url() + "#" + s.schema();
        PREPARED.remove(id);
        PARTITIONS.removeIf(p -> p.startsWith(id + "#"));
    }

    static OffsetDateTime dbNow(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC);
        }
    }

    static String partitionName(YearMonth m) {
        return PARTITION.format(m);
    }

    /**
     * Creates the month's partition when missing. Runs in the caller's transaction, under a
     * transaction-level advisory lock, so two writers never race to create the same one.
     */
    static void ensurePartition(Connection c, PgSettings s, YearMonth m) throws SQLException {
        String id = s.url() + "#" + s.schema() + "#" + m;
        if (PARTITIONS.contains(id)) {
            return;
        }
        ensurePartitionUncached(c, s, m);
        PARTITIONS.add(id);
    }

    /** As {@link #ensurePartition}, asking the database even when this process created it already. */
    static void ensurePartitionUncached(Connection c, PgSettings s, YearMonth m) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            lock.setLong(1, Migrator.key("partitions:" + s.schema()));
            lock.execute();
        }
        String from = m.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC).toString();
        String to = m.plusMonths(1).atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC).toString();
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + s.table(partitionName(m)) + " PARTITION OF "
                    + s.table("audit_events") + " FOR VALUES FROM ('" + from + "') TO ('" + to + "')");
        }
    }

    /** The months that have a partition, oldest first. */
    static List<YearMonth> existing(Connection c, PgSettings s) throws SQLException {
        List<YearMonth> months = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT child.relname FROM pg_inherits i "
                + "JOIN pg_class child ON child.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent "
                + "JOIN pg_namespace n ON n.oid = parent.relnamespace "
                + "WHERE parent.relname = 'audit_events' AND n.nspname = ? ORDER BY 1")) {
            q.setString(1, s.schema());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    if (name.matches("audit_events_y\\d{4}m\\d{2}")) {
                        months.add(YearMonth.of(Integer.parseInt(name.substring(14, 18)), Integer.parseInt(name.substring(19, 21))));
                    }
                }
            }
        }
        return months;
    }
}
