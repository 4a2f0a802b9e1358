package dev.runbook.audit.pg;

import dev.runbook.audit.AuditException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.YearMonth;

/**
 * Who may change the audit tables: the role that owns them migrates them, creates the monthly
 * partitions and drops old ones. A role granted only what writing and reading need (README,
 * "Configuration and the shared audit store") appends and reads, and leaves those to the owner:
 * it cannot switch the append-only triggers off, drop a partition or rewrite an event.
 *
 * @param me    this session's role
 * @param owner the role that owns {@code audit_events}; null before the tables exist
 * @param self  whether this session acts as the owner (the owner itself, a member of it, a
 *              superuser) and may create tables in the schema
 */
record TableOwner(String me, String owner, boolean self) {

    static TableOwner of(Connection c, PgSettings s) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT current_user, pg_get_userbyid(t.relowner),"
                + " pg_has_role(t.relowner, 'USAGE') AND has_schema_privilege(t.relnamespace, 'CREATE')"
                + " FROM (SELECT 1) one LEFT JOIN pg_class t ON t.oid = to_regclass(?)")) {
            q.setString(1, s.table("audit_events"));
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return new TableOwner(rs.getString(1), rs.getString(2), rs.getBoolean(3));
            }
        }
    }

    /** Whether the tables exist and another role owns them. */
    boolean someoneElse() {
        return owner != null && !self;
    }

    /** Refuses what only the owner may do, naming who may. */
    void require(String what) {
        if (someoneElse()) {
            throw new AuditException(what + ", which only the audit tables' owner (role '" + owner + "') may do, and this is role '"
                    + me + "'");
        }
    }

    AuditException partitionMissing(PgSettings s, YearMonth m) {
        return new AuditException(s.table("audit_events").replace("\"", "") + " has no partition for " + m + " and role '" + me
                + "' may not create one: the tables' owner (role '" + owner + "') creates it and the months ahead with"
                + " runbook audit prepare");
    }

    AuditException migrationMissing(PgSettings s, int version, int latest) {
        return new AuditException("the audit tables in schema " + s.schema() + " are at version " + version + " and this runbook needs"
                + " version " + latest + ", which role '" + me + "' may not apply: the tables' owner (role '" + owner
                + "') applies it with runbook audit prepare");
    }

    AuditException cannotCreate(PgSettings s, SQLException e) {
        String reason = e.getMessage() == null ? "permission denied" : e.getMessage().lines().findFirst().orElse("").replaceFirst("^ERROR: ", "");
        return new AuditException("the audit tables in schema " + s.schema() + " do not exist yet and role '" + me + "' may not create them ("
                + reason + "): create them once as the role that is to own them, with runbook audit prepare", e);
    }
}
