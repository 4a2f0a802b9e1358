package dev.runbook.model;

import java.util.Map;

/**
 * A host a step runs on, with its merged inventory vars.
 *
 * @param address where to connect (ansible_host), or the name
 * @param port    the SSH port, 0 for the default
 * @param user    the SSH user, or null for the current one
 */
public record Target(String name, String address, int port, String user, Map<String, Object> vars) {

    public static final Target LOCALHOST = new Target("localhost", "localhost", 0, null, Map.of());

    public Target {
        vars = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(vars));
    }

    /** Whether commands for this host run on this machine without SSH. */
    public boolean local() {
        Object conn = vars.get("ansible_connection");
        if (conn != null) {
            return "local".equals(String.valueOf(conn));
        }
        return name.equals("localhost") || name.equals("127.0.0.1") && port == 0;
    }

    /** What expressions see as {@code host}. */
    public Map<String, Object> toScope() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("name", name);
        m.put("address", address);
        m.put("port", port);
        m.put("user", user);
        m.put("local", local());
        m.put("vars", vars);
        return m;
    }
}
