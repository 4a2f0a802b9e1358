package dev.runbook.exec.sql;

import dev.runbook.load.Durations;
import dev.runbook.model.Target;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a named database is and how to log in, from the host's inventory var {@value #VAR}
 * (then the connections the executor was configured with):
 * <pre>
 * runbook_databases:
 *   nucleus: {url: "jdbc:postgresql://db1:5432/nucleus", user: runbook, password: "env:NUCLEUS_DB_PASSWORD"}
 *   audit:   {host: db2, port: 5432, dbname: audit, user: runbook, password: "file:/etc/runbook/audit.pw"}
 * </pre>
 * Without {@code url}, {@code host} defaults to the target's address, {@code port} to 5432 and
 * {@code dbname} to the connection's name. The password is always a secret reference, never the
 * password itself, and no message built here contains its value.
 *
 * @param password {@code env:VAR} or {@code file:/path}, or null to log in without one (trust, peer, ~/.pgpass)
 */
record ConnectionSettings(String name, String url, String user, String password, Duration connectTimeout) {
    static final String VAR = "runbook_databases";
    private static final Set<String> KEYS = Set.of("url", "host", "port", "dbname", "user", "password", "connect_timeout");

    /**
     * @param database the step's {@code database:}, or null for the only one configured
     * @param configured connections named outside the inventory (config file), overridden by the host's
     * @throws ConnectionProblem when the name is unknown, ambiguous or its settings are malformed
     */
    static ConnectionSettings resolve(Target host, String database, Map<String, ?> configured, Duration defaultTimeout)
            throws ConnectionProblem {
        Map<String, Object> known = new LinkedHashMap<>(configured);
        Object own = host.vars().get(VAR);
        if (own != null && !(own instanceof Map<?, ?>)) {
            throw ConnectionProblem.invalid("inventory var " + VAR + " of host '" + host.name()
                    + "' must map connection names to settings");
        }
        if (own instanceof Map<?, ?> m) {
            m.forEach((k, v) -> known.put(String.valueOf(k), v));
        }
        if (known.isEmpty()) {
            throw ConnectionProblem.invalid("no database is configured for host '" + host.name() + "': give it an inventory var "
                    + VAR + " (e.g. " + VAR + ": {main: {url: \"jdbc:postgresql://HOST:5432/DB\", user: USER, password: \"env:VAR\"}})");
        }
        String name = database;
        if (name == null || name.isBlank()) {
            if (known.size() > 1) {
                throw ConnectionProblem.invalid("several databases are configured for host '" + host.name() + "' ("
                        + String.join(", ", new TreeSet<>(known.keySet())) + "): name one with database:");
            }
            name = known.keySet().iterator().next();
        }
        Object spec = known.get(name);
        if (spec == null) {
            throw ConnectionProblem.invalid("database '" + name + "' is not configured for host '" + host.name() + "'; known: "
                    + String.join(", ", new TreeSet<>(known.keySet())));
        }
        if (!(spec instanceof Map<?, ?> m)) {
            throw ConnectionProblem.invalid(where(host, name) + " must be a mapping with url (or host, port, dbname), user and password");
        }
        return fromMap(host, name, m, defaultTimeout);
    }

    private static ConnectionSettings fromMap(Target host, String name, Map<?, ?> m, Duration defaultTimeout)
            throws ConnectionProblem {
        for (Object k : m.keySet()) {
            if (!KEYS.contains(String.valueOf(k))) {
                throw ConnectionProblem.invalid(where(host, name) + ": unknown key '" + k + "'; expected "
                        + String.join(", ", new TreeSet<>(KEYS)));
            }
        }
        String url = string(m.get("url"));
        if (url == null) {
            String server = string(m.get("host"));
            server = server != null ? server : host.address();
            String port = string(m.get("port"));
            String db = string(m.get("dbname"));
            url = "jdbc:postgresql://" + (server.contains(":") ? "[" + server + "]" : server) + ":" + (port == null ? "5432" : port)
                    + "/" + (db == null ? name : db);
        } else if (m.containsKey("host") || m.containsKey("port") || m.containsKey("dbname")) {
            throw ConnectionProblem.invalid(where(host, name) + ": give either url or host/port/dbname, not both");
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw ConnectionProblem.invalid(where(host, name) + ": url must start with jdbc:postgresql:");
        }
        String password = string(m.get("password"));
        if (password != null && !password.startsWith("env:") && !password.startsWith("file:")) {
            // the value is not echoed: it may be the password itself
            throw ConnectionProblem.invalid(where(host, name) + ": password must be a secret reference, env:VARIABLE or file:/path,"
                    + " never the password itself");
        }
        Duration timeout = defaultTimeout;
        String t = string(m.get("connect_timeout"));
        if (t != null) {
            try {
                timeout = Durations.parse(t);
            } catch (IllegalArgumentException e) {
                throw ConnectionProblem.invalid(where(host, name) + ": connect_timeout: " + e.getMessage());
            }
        }
        return new ConnectionSettings(name, url, string(m.get("user")), password, timeout);
    }

    /** The password's value, read now (a rotated password file is picked up at the next connection). */
    String readPassword(Map<String, String> env) throws ConnectionProblem {
        if (password == null) {
            return null;
        }
        String what = "password of database '" + name + "'";
        if (password.startsWith("env:")) {
            String var = password.substring(4);
            String v = env.get(var);
            if (v == null) {
                throw ConnectionProblem.invalid(what + ": environment variable " + var + " is not set");
            }
            return v;
        }
        Path file = Path.of(password.substring(5));
        try {
            return Files.readString(file).stripTrailing();
        } catch (NoSuchFileException e) {
            throw ConnectionProblem.invalid(what + ": cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw ConnectionProblem.invalid(what + ": cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw ConnectionProblem.invalid(what + ": cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The URL as messages show it: without its query, where a password could be. */
    String display() {
        int q = url.indexOf('?');
        String base = (q < 0 ? url : url.substring(0, q)).substring("jdbc:postgresql:".length());
        return (base.startsWith("//") ? base.substring(2) : base) + (user == null ? "" : " as " + user);
    }

    private static String where(Target host, String name) {
        return "database '" + name + "' of host '" + host.name() + "'";
    }

    private static String string(Object o) {
        return o == null ? null : String.valueOf(o);
    }
}
