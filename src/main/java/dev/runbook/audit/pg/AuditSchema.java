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
import java.util.Map;
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
 *
 * <p>Only the role that owns the tables migrates them and creates partitions; a writer under
 * another role goes on while this month has a partition and the schema is current, and says who
 * must act when not ({@link TableOwner}). The trail is append-only for everyone ({@link AppendOnly}).
 */
final class AuditSchema {
    static final String COMPONENT = "audit";
    static final int MONTHS_AHEAD = 2;
    private static final DateTimeFormatter PARTITION = DateTimeFormatter.ofPattern("'audit_events_y'yyyy'm'MM");
    /** Schemas already prepared and migrated by this process (with their owner), and the partitions known to exist. */
    private static final Set<String> PREPARED = ConcurrentHashMap.newKeySet();
    private static final Map<String, TableOwner> OWNERS = new ConcurrentHashMap<>();
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
                            + "acquired_at timestamptz NOT NULL DEFAULT now())")),
            new Migrator.Migration(2, "append-only: triggers refuse UPDATE, DELETE and TRUNCATE of events, checkpoints and imports",
                    AppendOnly.migration()));

    private AuditSchema() {}

    /**
     * Migrates the schema, and makes sure this month has a partition: creates the partitions of this
     * month and the next {@value #MONTHS_AHEAD} when this role owns the tables, else leaves the months
     * ahead to the owner. Once per process and database.
     *
     * @throws dev.runbook.audit.AuditException when a migration or this month's partition is missing
     *                                          and only the owner may add it
     */
    static void prepare(Connection c, PgSettings s) throws SQLException {
        String id = s.url() + "#" + s.schema();
        if (PREPARED.contains(id)) {
            return;
        }
        TableOwner owner = migrate(c, s);
        YearMonth now = YearMonth.from(dbNow(c));
        List<YearMonth> have = existing(c, s);
        if (owner.self()) {
            create(c, s, have, now, MONTHS_AHEAD);
            have = existing(c, s);  // with those another process created meanwhile
        } else if (!have.contains(now)) {
            throw owner.partitionMissing(s, now);
        }
        have.forEach(m -> PARTITIONS.add(id + "#" + m));
        PREPARED.add(id);
    }

    /**
     * Brings the schema up to this runbook's newest migration (creating it on first use), when this
     * role may; once per process and database.
     *
     * @return who owns the tables now
     */
    static TableOwner migrate(Connection c, PgSettings s) throws SQLException {
        String id = s.url() + "#" + s.schema();
        TableOwner known = OWNERS.get(id);
        if (known != null) {
            return known;
        }
        TableOwner owner = TableOwner.of(c, s);
        int latest = MIGRATIONS.get(MIGRATIONS.size() - 1).version();
        if (owner.someoneElse()) {
            int version = Migrator.current(c, s.schema(), COMPONENT);
            if (version < latest) {
                throw owner.migrationMissing(s, version, latest);
            }
        }
        try {
            Migrator.migrate(c, s.schema(), COMPONENT, MIGRATIONS);
        } catch (SQLException e) {
            if (owner.owner() == null && "42501".equals(e.getSQLState())) {
                throw owner.cannotCreate(s, e);
            }
            throw e;
        }
        owner = owner.owner() == null ? TableOwner.of(c, s) : owner;
        OWNERS.put(id, owner);
        return owner;
    }

    /**
     * What {@code runbook audit prepare} does, as the tables' owner: migrates, and creates the
     * partitions of this month and the {@code monthsAhead} after it.
     */
    static PgAuditStore.Prepared prepareAhead(Connection c, PgSettings s, int monthsAhead) throws SQLException {
        forget(s);
        TableOwner owner = migrate(c, s);
        owner.require("runbook audit prepare creates the monthly partitions");
        YearMonth now = YearMonth.from(dbNow(c));
        List<YearMonth> created = create(c, s, existing(c, s), now, monthsAhead);
        forget(s);
        return new PgAuditStore.Prepared(owner.owner(), MIGRATIONS.get(MIGRATIONS.size() - 1).version(),
                created.stream().map(AuditSchema::partitionName).toList(), now.plusMonths(monthsAhead));
    }

    /**
     * Creates the partitions of {@code from} and the {@code ahead} months after it that {@code have}
     * lacks, in one transaction.
     *
     * @return the months created (another process may have created some of the others meanwhile)
     */
    private static List<YearMonth> create(Connection c, PgSettings s, List<YearMonth> have, YearMonth from, int ahead)
            throws SQLException {
        List<YearMonth> missing = new ArrayList<>();
        for (int i = 0; i <= ahead; i++) {
            if (!have.contains(from.plusMonths(i))) {
                missing.add(from.plusMonths(i));
            }
        }
        List<YearMonth> created = new ArrayList<>();
        if (missing.isEmpty()) {
            return created;
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (YearMonth m : missing) {
                if (ensurePartitionUncached(c, s, m)) {
                    created.add(m);
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            forget(s);
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
        return created;
    }

    /** Whether this process knows that the month's partition exists. */
    static boolean knows(PgSettings s, YearMonth m) {
        return PARTITIONS.contains(s.url() + "#" + s.schema() + "#" + m);
    }

    /** Forgets what this process knows about a database (a test dropped it, a retention dropped partitions). */
    static void forget(PgSettings s) {
        String id = s.url() + "#" + s.schema();
        PREPARED.remove(id);
        OWNERS.remove(id);
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
     * Makes sure the month has a partition: creates it when missing and this role owns the tables,
     * else only looks. Runs in the caller's transaction.
     *
     * @param needed whether an event is about to go there: then a partition this role may not
     *               create is an error
     * @throws dev.runbook.audit.AuditException when it is needed, missing, and only the owner may create it
     */
    static void ensurePartition(Connection c, PgSettings s, YearMonth m, boolean needed) throws SQLException {
        String id = s.url() + "#" + s.schema() + "#" + m;
        if (PARTITIONS.contains(id)) {
            return;
        }
        TableOwner owner = OWNERS.get(s.url() + "#" + s.schema());
        if (owner == null) {
            owner = TableOwner.of(c, s);  // a query, no migration: this may run inside the caller's transaction
        }
        if (owner.self()) {
            ensurePartitionUncached(c, s, m);
        } else if (!existing(c, s).contains(m)) {
            if (needed) {
                throw owner.partitionMissing(s, m);
            }
            return;
        }
        PARTITIONS.add(id);
    }

    /** Whether this process found that only another role may create partitions. */
    static boolean ownedBySomeoneElse(PgSettings s) {
        TableOwner owner = OWNERS.get(s.url() + "#" + s.schema());
        return owner != null && owner.someoneElse();
    }

    /**
     * Creates the month's partition, with its own truncate trigger, when missing, asking the
     * database even when this process created it already. Runs in the caller's transaction, under
     * a transaction-level advisory lock, so two writers never race to create the same one.
     *
     * @return whether it was created here
     */
    static boolean ensurePartitionUncached(Connection c, PgSettings s, YearMonth m) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            lock.setLong(1, Migrator.key("partitions:" + s.schema()));
            lock.execute();
        }
        if (existing(c, s).contains(m)) {
            return false;
        }
        String from = m.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC).toString();
        String to = m.plusMonths(1).atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC).toString();
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + s.table(partitionName(m)) + " PARTITION OF "
                    + s.table("audit_events") + " FOR VALUES FROM ('" + from + "') TO ('" + to + "')");
            st.execute(AppendOnly.truncateTrigger(s.table(partitionName(m)), "\"" + s.schema() + "\""));
        }
        return true;
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
