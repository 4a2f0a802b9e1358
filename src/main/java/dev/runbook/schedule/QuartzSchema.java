package dev.runbook.schedule;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Creates Quartz's tables for the clustered job store, idempotently. The DDL shipped in Quartz's
 * jar begins with {@code DROP TABLE}: run as is, a second daemon starting would wipe the
 * schedules of the first. Here the drops are removed, every CREATE becomes CREATE ... IF NOT
 * EXISTS, the whole migration runs under an advisory lock, and the tables are checked after,
 * because Quartz itself starts without them and only fails at the first fire.
 */
public final class QuartzSchema {
    /** 2: {@code runbook_daemon_nodes}, the nodes of each cluster and their schedules (see {@link ClusterMembers}). */
    static final int VERSION = 2;
    static final List<String> TABLES = List.of("qrtz_job_details", "qrtz_triggers", "qrtz_simple_triggers",
            "qrtz_cron_triggers", "qrtz_simprop_triggers", "qrtz_blob_triggers", "qrtz_calendars",
            "qrtz_paused_trigger_grps", "qrtz_fired_triggers", "qrtz_scheduler_state", "qrtz_locks", "runbook_daemon_nodes");
    private static final String NODES = "CREATE TABLE IF NOT EXISTS runbook_daemon_nodes (cluster TEXT NOT NULL, node TEXT NOT NULL,"
            + " schedules TEXT NOT NULL, active BOOLEAN NOT NULL, seen_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (cluster, node))";
    private static final String DDL = "/org/quartz/impl/jdbcjobstore/tables_postgres.sql";

    private QuartzSchema() {}

    /** Migrates (if needed) and verifies. @throws SQLException with a one-line reason */
    public static void migrate(String url, String user, String password) throws SQLException {
        migrate(url, user, password, null);
    }

    /**
     * @param schema the schema the tables go in (created when missing), or null for the default;
     *               on PostgreSQL 15 a role that does not own the database cannot create tables in public
     */
    public static void migrate(String url, String user, String password, String schema) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            migrate(c, schema);
        }
    }

    /** On a connection of the caller's, which stays open (its search path set to {@code schema}). */
    static void migrate(Connection c, String schema) throws SQLException {
        if (schema != null && !schema.matches("[a-z_][a-z0-9_]*")) {
            throw new SQLException("schema name '" + schema + "' must be a lower-case SQL identifier");
        }
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(hashtext('runbook:quartz-schema'))");
            try {
                if (schema != null) {
                    st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                    st.execute("SET search_path TO " + schema);
                }
                st.execute("CREATE TABLE IF NOT EXISTS runbook_quartz_schema (version INTEGER NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())");
                int current = 0;
                try (ResultSet rs = st.executeQuery("SELECT COALESCE(max(version), 0) FROM runbook_quartz_schema")) {
                    if (rs.next()) {
                        current = rs.getInt(1);
                    }
                }
                if (current < VERSION) {
                    for (String stmt : statements()) {
                        st.execute(stmt);
                    }
                    st.execute(NODES);
                    st.execute("INSERT INTO runbook_quartz_schema(version) VALUES (" + VERSION + ")");
                }
                verify(st);
            } finally {
                st.execute("SELECT pg_advisory_unlock(hashtext('runbook:quartz-schema'))");
            }
        }
    }

    private static void verify(Statement st) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String t : TABLES) {
            try (ResultSet rs = st.executeQuery("SELECT to_regclass(current_schema() || '." + t + "') IS NOT NULL")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    missing.add(t);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new SQLException("Quartz tables missing after migration: " + String.join(", ", missing));
        }
    }

    /** Quartz's own DDL, made safe to run any number of times. */
    static List<String> statements() {
        String sql;
        try (InputStream in = org.quartz.Scheduler.class.getResourceAsStream(DDL)) {
            if (in == null) {
                throw new IllegalStateException("Quartz's PostgreSQL DDL is missing from its jar");
            }
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder noComments = new StringBuilder();
        for (String line : sql.split("\n")) {
            if (!line.strip().startsWith("--")) {
                noComments.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String raw : noComments.toString().split(";")) {
            String s = raw.strip();
            String upper = s.toUpperCase(Locale.ROOT);
            if (s.isEmpty() || upper.startsWith("DROP ") || upper.equals("COMMIT") || upper.startsWith("BEGIN")) {
                continue;
            }
            s = s.replaceFirst("(?i)^CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ")
                    .replaceFirst("(?i)^CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ")
                    .replaceFirst("(?i)^CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ");
            out.add(s);
        }
        return out;
    }
}
