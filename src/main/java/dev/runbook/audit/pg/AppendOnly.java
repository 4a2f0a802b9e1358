package dev.runbook.audit.pg;

import java.util.ArrayList;
import java.util.List;

/**
 * Triggers that make the audit trail append-only in the database: {@code UPDATE}, {@code DELETE}
 * and {@code TRUNCATE} of events (every partition), checkpoints and imports fail with "the audit
 * trail is append-only", whoever asks. Retention drops whole partitions, which is DDL and the
 * tables' owner's alone; the owner (or a superuser) can also switch the triggers off, which is why
 * operators write under a role that owns nothing (see {@link TableOwner}).
 */
final class AppendOnly {
    private AppendOnly() {}

    /** The migration's statements; {@code {schema}} stands for the quoted schema name. */
    static List<String> migration() {
        List<String> sql = new ArrayList<>();
        sql.add("CREATE FUNCTION {schema}.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
                + "RAISE EXCEPTION 'the audit trail is append-only: % of %.% refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME; END$$");
        for (String table : List.of("audit_events", "audit_checkpoints", "audit_imports")) {
            // AFTER, not BEFORE: PostgreSQL 12 allows only AFTER row triggers on a partitioned table;
            // either way the statement fails and changes nothing. Row triggers reach every partition.
            sql.add("CREATE TRIGGER append_only AFTER UPDATE OR DELETE ON {schema}." + table
                    + " FOR EACH ROW EXECUTE FUNCTION {schema}.audit_append_only()");
            sql.add(truncateTrigger("{schema}." + table, "{schema}"));
        }
        // a statement trigger does not reach the partitions: each has its own (ensurePartition adds it to new ones)
        sql.add("DO $$DECLARE p regclass; BEGIN FOR p IN SELECT inhrelid::regclass FROM pg_inherits"
                + " WHERE inhparent = '{schema}.audit_events'::regclass LOOP EXECUTE format("
                + "'CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT"
                + " EXECUTE FUNCTION {schema}.audit_append_only()', p); END LOOP; END$$");
        return sql;
    }

    /** The statement trigger a new partition needs: the parent's does not reach it. */
    static String truncateTrigger(String table, String schema) {
        return "CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON " + table + " FOR EACH STATEMENT EXECUTE FUNCTION "
                + schema + ".audit_append_only()";
    }
}
