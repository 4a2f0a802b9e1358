package dev.runbook.config;

import dev.runbook.load.DidYouMean;
import dev.runbook.load.Mapping;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Text;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/** The {@code audit:} section of the configuration file, and the checks its values share with the environment and flags. */
final class AuditSection {
    private AuditSection() {}

    static void read(Mapping m, YamlReader r, Draft d, Path home) {
        if (m == null) {
            return;
        }
        Text store = m.text("store");
        if (store != null) {
            d.store = parseStore(store.value(), msg -> r.error(store.pos(), "audit.store: " + msg, hint(store.value())));
            d.storePos = store.pos();
        }
        Text url = m.text("url");
        if (url != null) {
            String problem = urlProblem(url.value());
            if (problem != null) {
                r.error(url.pos(), "audit.url " + problem);
            } else {
                d.url = url.value();
            }
        }
        Text user = m.text("user");
        if (user != null) {
            d.user = user.value();
        }
        Text password = m.text("password");
        if (password != null) {
            ConfigSecret s = ConfigSecret.parse(password.value(), password.pos(), home);
            if (s == null) {
                r.error(password.pos(), "audit.password must be env:VARIABLE or file:/path, not the password itself",
                        "a password written here is read by everyone who can read this file");
            }
            d.password = s;
        }
        Text schema = m.text("schema");
        if (schema != null) {
            if (!schema.value().matches("[a-z_][a-z0-9_]{0,62}")) {
                r.error(schema.pos(), "audit.schema must be a lower-case SQL name (letters, digits, _), not '" + schema.value() + "'");
            } else {
                d.schema = schema.value();
            }
        }
        Duration timeout = m.duration("connect_timeout");
        if (timeout != null) {
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                r.error(m.keyPos("connect_timeout"), "audit.connect_timeout must be between 1s and 10m");
            } else {
                d.connectTimeout = timeout;
            }
        }
    }

    static AuditConfig.Store parseStore(String text, Consumer<String> error) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.equals("file")) {
            return AuditConfig.Store.FILE;
        }
        if (s.equals("postgres") || s.equals("postgresql")) {
            return AuditConfig.Store.POSTGRES;
        }
        error.accept("unknown store '" + text + "' (the stores are file and postgres)");
        return null;
    }

    static String hint(String store) {
        String h = DidYouMean.suggest(store.strip(), ConfigLoader.STORES);
        return h == null ? null : "did you mean '" + h + "'?";
    }

    /** What is wrong with an audit URL (to follow its name in a message), or null. */
    static String urlProblem(String url) {
        if (url.toLowerCase(Locale.ROOT).matches(".*[?&]password=.*")) {
            return "must not carry the password: give audit.password as env:VARIABLE or file:/path";
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            return "must be a PostgreSQL JDBC URL such as jdbc:postgresql://HOST:5432/DATABASE, not '" + url + "'";
        }
        return null;
    }
}
