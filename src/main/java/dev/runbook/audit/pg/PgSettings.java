package dev.runbook.audit.pg;

import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * How to reach the PostgreSQL that holds the audit trail, run history and run locks.
 *
 * @param url            {@code jdbc:postgresql://HOST:PORT/DATABASE}
 * @param user           null: the driver's default
 * @param password       read when a connection is opened; may return null; may throw
 *                       {@link dev.runbook.model.InvalidInputException} when its source is missing
 * @param schema         the schema of runbook's tables, created when missing
 * @param connectTimeout bounds connecting and logging in
 */
public record PgSettings(String url, String user, Supplier<String> password, String schema, Duration connectTimeout) {

    public PgSettings {
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a schema name: " + schema);
        }
    }

    /**
     * The settings of a configured PostgreSQL store; the password is read from its source each
     * time a connection is opened.
     */
    public static PgSettings of(dev.runbook.config.AuditConfig audit, java.util.Map<String, String> env) {
        dev.runbook.config.ConfigSecret secret = audit.password();
        return new PgSettings(audit.url(), audit.user(), secret == null ? () -> null : () -> secret.resolve(env),
                audit.schema(), audit.connectTimeout());
    }

    /** {@code host:port/database}, for messages: never the user's password, never URL parameters. */
    public String where() {
        Properties p = org.postgresql.Driver.parseURL(url, new Properties());
        if (p == null) {
            return url.replaceFirst("\\?.*", "");
        }
        return p.getProperty("PGHOST", "localhost") + ":" + p.getProperty("PGPORT", "5432") + "/" + p.getProperty("PGDBNAME", "");
    }

    String database() {
        Properties p = org.postgresql.Driver.parseURL(url, new Properties());
        return p == null ? "" : p.getProperty("PGDBNAME", "");
    }

    /** A schema-qualified table name. */
    String table(String name) {
        return "\"" + schema + "\"." + name;
    }
}
