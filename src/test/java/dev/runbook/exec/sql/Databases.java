package dev.runbook.exec.sql;

import dev.runbook.model.Target;
import dev.runbook.testing.Postgres;
import java.util.LinkedHashMap;
import java.util.Map;

/** Hosts whose inventory vars name databases of a test cluster, and the environment holding their password. */
final class Databases {
    static final String PASSWORD_VAR = "RUNBOOK_IT_PG_PASSWORD";

    private Databases() {}

    static Map<String, String> env(Postgres pg) {
        return Map.of(PASSWORD_VAR, pg.password());
    }

    /** A {@code runbook_databases} entry for a database of the cluster, as its superuser. */
    static Map<String, Object> connection(Postgres pg, String database) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("url", pg.jdbcUrl(database));
        c.put("user", Postgres.SUPERUSER);
        c.put("password", "env:" + PASSWORD_VAR);
        return c;
    }

    /** A host on this machine (no SSH) with these named connections. */
    static Target host(String name, Map<String, Object> databases) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("ansible_connection", "local");
        vars.put("runbook_databases", databases);
        return new Target(name, "127.0.0.1", 0, null, vars);
    }
}
