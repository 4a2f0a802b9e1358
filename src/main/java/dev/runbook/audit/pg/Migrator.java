package dev.runbook.audit.pg;

import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.AuditException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Versioned schema migrations that the tool applies itself. Each component (the audit trail,
 * later the scheduler's tables) keeps its own version in {@code schema_version}. Idempotent: a
 * migrated schema costs one query. Safe when several processes start at once: all changes run in
 * one transaction under a transaction-level advisory lock, so the second waits and then finds
 * nothing to do.
 */
public final class Migrator {

    /** One step of a component's schema; {@code {schema}} in a statement is replaced by the quoted schema name. */
    public record Migration(int version, String description, List<String> statements) {}

    private Migrator() {}

    /**
     * Brings {@code component} up to its newest migration.
     *
     * @throws AuditException when the database was migrated by a newer runbook than this one
     */
    public static void migrate(Connection c, String schema, String component, List<Migration> migrations) throws SQLException {
        int latest = migrations.get(migrations.size() - 1).version();
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            int before = current(c, schema, component);
            if (before >= latest) {
                checkNotNewer(before, schema, component, latest);
                c.commit();
                return;
            }
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, key("migrate:" + schema));
                lock.execute();
            }
            try (Statement st = c.createStatement()) {
                if (!schemaExists(c, schema)) {
                    st.execute("CREATE SCHEMA \"" + schema + "\"");
                }
                st.execute("CREATE TABLE IF NOT EXISTS \"" + schema + "\".schema_version (component text NOT NULL, "
                        + "version int NOT NULL, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), "
                        + "PRIMARY KEY (component, version))");
            }
            int now = current(c, schema, component);
            checkNotNewer(now, schema, component, latest);
            for (Migration m : migrations) {
                if (m.version() > now) {
                    apply(c, schema, component, m);
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static void apply(Connection c, String schema, String component, Migration m) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String sql : m.statements()) {
                st.execute(sql.replace("{schema}", "\"" + schema + "\""));
            }
        }
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO \"" + schema
                + "\".schema_version (component, version, description) VALUES (?, ?, ?)")) {
            ins.setString(1, component);
            ins.setInt(2, m.version());
            ins.setString(3, m.description());
            ins.executeUpdate();
        }
    }

    /** The component's version; 0 before its first migration. */
    static int current(Connection c, String schema, String component) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            q.setString(1, "\"" + schema + "\".schema_version");
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return 0;
                }
            }
        }
        try (PreparedStatement q = c.prepareStatement("SELECT coalesce(max(version), 0) FROM \"" + schema
                + "\".schema_version WHERE component = ?")) {
            q.setString(1, component);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static boolean schemaExists(Connection c, String schema) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            q.setString(1, schema);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** A 64-bit advisory lock key for a name, the same in every process. */
    static long key(String name) {
        String hex = AuditCodec.sha256("runbook:" + name).substring(0, 16);
        return Long.parseUnsignedLong(hex, 16);
    }

    /** Refuses a schema that a newer runbook migrated past what this one knows. */
    private static void checkNotNewer(int v, String schema, String component, int latest) {
        if (v > latest) {
            throw new AuditException("the " + component + " tables in schema " + schema + " are at version " + v
                    + ", newer than this runbook knows (" + latest + "): upgrade runbook");
        }
    }
}
