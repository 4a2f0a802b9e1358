package dev.runbook.inventory;

import dev.runbook.load.Durations;
import dev.runbook.load.Mapping;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Text;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Checks {@value #VAR}, the connections of {@code sql} steps, where the inventory writes it, so a
 * wrong URL or a password written out is refused when the inventory loads, at its line, rather
 * than by the first {@code sql} step of a run. The executor reads the same settings (its
 * ConnectionSettings), and keeps its own checks for connections given elsewhere.
 */
final class DatabaseVars {
    static final String VAR = "runbook_databases";
    static final List<String> KEYS = List.of("url", "host", "port", "dbname", "user", "password", "connect_timeout");
    private static final String URL_PREFIX = "jdbc:postgresql:";

    private DatabaseVars() {}

    /** Reports every problem of the var's value to {@code yaml}; null is no connection at all. */
    static void check(YamlReader yaml, Node value) {
        if (YamlReader.isNull(value)) {
            return;
        }
        Mapping names = yaml.mapping(value, VAR, null);
        if (names == null) {
            return;
        }
        for (String name : names.keys()) {
            String what = VAR + "." + name;
            Mapping m = yaml.mapping(names.get(name), what, KEYS);
            if (m != null) {
                connection(yaml, m, what);
            }
        }
    }

    private static void connection(YamlReader yaml, Mapping m, String what) {
        for (String key : List.of("host", "dbname", "user")) {
            if (m.has(key)) {
                text(yaml, m, key, what);
            }
        }
        if (m.has("port")) {
            try {
                ConnectionVars.port(what + ".port", plain(m.get("port")));
            } catch (IllegalArgumentException e) {
                yaml.error(m.get("port"), e.getMessage());
            }
        }
        Text url = m.has("url") ? text(yaml, m, "url", what) : null;
        if (url != null) {
            url(yaml, m, url, what);
        }
        Text password = m.has("password") ? text(yaml, m, "password", what) : null;
        if (password != null && !isSecretReference(password.value())) {
            // the value is not echoed: it may be the password itself
            yaml.error(password.pos(), what + ".password must be env:VARIABLE or file:/path, not the password itself",
                    "a password written here is read by everyone who can read this file");
        }
        if (m.has("connect_timeout")) {
            yaml.duration(m.get("connect_timeout"), what + ".connect_timeout");
        }
    }

    private static void url(YamlReader yaml, Mapping m, Text url, String what) {
        String value = url.value();
        if (!value.startsWith(URL_PREFIX)) {
            yaml.error(url.pos(), what + ".url must be a PostgreSQL JDBC URL such as jdbc:postgresql://HOST:5432/DATABASE, not '"
                    + value + "'");
        } else if (value.toLowerCase(Locale.ROOT).matches(".*[?&]password=.*")) {
            yaml.error(url.pos(), what + ".url must not carry the password: give " + what + ".password as env:VARIABLE or file:/path");
        }
        for (String part : List.of("host", "port", "dbname")) {
            if (m.has(part)) {
                yaml.error(m.keyPos(part), what + ": give either url or host/port/dbname, not both");
            }
        }
    }

    /** The reference forms the configuration file takes for its secrets (config.ConfigSecret). */
    static boolean isSecretReference(String text) {
        return text.startsWith("env:") && text.substring(4).matches("[A-Za-z_][A-Za-z0-9_]*")
                || text.startsWith("file:") && text.length() > 5;
    }

    private static Text text(YamlReader yaml, Mapping m, String key, String what) {
        Node node = m.get(key);
        if (node instanceof ScalarNode s && !YamlReader.isNull(s) && s.getValue().contains("{{")) {
            yaml.error(node, what + "." + key + " cannot be a template: inventory vars are taken as written");
            return null;
        }
        return yaml.text(node, what + "." + key);
    }

    /** Enough of a node for ConnectionVars' checks and their messages. */
    private static Object plain(Node node) {
        if (YamlReader.isNull(node)) {
            return "";
        }
        return node instanceof ScalarNode s ? s.getValue() : node instanceof MappingNode ? Map.of() : List.of();
    }
}
