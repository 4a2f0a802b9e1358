package dev.runbook.config;

import java.time.Duration;

/**
 * Where the audit trail, run history and run locks live.
 *
 * @param store          {@code FILE}: {@code audit.jsonl} in the state directory and lock files
 *                       beside it; {@code POSTGRES}: the database at {@code url}
 * @param url            a {@code jdbc:postgresql://} URL; null for the file store when none is given
 * @param user           null: the driver's default (the operating system user)
 * @param password       null: none (the driver may still use {@code ~/.pgpass})
 * @param schema         the PostgreSQL schema holding runbook's tables
 * @param connectTimeout how long to wait for PostgreSQL to accept a connection
 */
public record AuditConfig(Store store, String url, String user, ConfigSecret password, String schema,
                          Duration connectTimeout) {

    /** The audit stores. */
    public enum Store {
        FILE, POSTGRES;

        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final String DEFAULT_SCHEMA = "runbook";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    public static AuditConfig defaults() {
        return new AuditConfig(Store.FILE, null, null, null, DEFAULT_SCHEMA, DEFAULT_CONNECT_TIMEOUT);
    }

    public boolean postgres() {
        return store == Store.POSTGRES;
    }

    /** For people: the store and where it is, never the password. */
    public String describe() {
        if (!postgres()) {
            return "file";
        }
        return "postgres " + url + (user == null ? "" : " as " + user) + ", schema " + schema
                + (password == null ? "" : ", password from " + password);
    }
}
