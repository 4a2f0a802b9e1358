package dev.runbook.inventory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Masks the values of vars whose names look secret, for showing an inventory
 * ({@code runbook inventory list}). Inventories carry {@code ansible_become_password} and API tokens
 * in plain text more often than they should; a listing must not spread them further.
 */
public final class SecretVars {
    public static final String MASK = "****";

    private SecretVars() {}

    /**
     * A copy of {@code vars} with each secret value ({@link #isSecret}) replaced by {@value #MASK},
     * nested mappings included. Null values stay null: there is nothing to hide.
     */
    public static Map<String, Object> masked(Map<String, ?> vars) {
        Map<String, Object> out = new LinkedHashMap<>();
        vars.forEach((name, value) -> out.put(name, value != null && isSecret(name, value) ? MASK : maskNested(value)));
        return Collections.unmodifiableMap(out);
    }

    /**
     * Whether a var holds a secret, by its name: it contains password or passwd, or ends in
     * {@code _pass} (Ansible's {@code ansible_ssh_pass}, {@code ansible_become_pass}); or it contains
     * secret or token, or ends in {@code _key}, and its value is not a path ({@code tls_key:
     * /etc/ssl/x.key} names a file, and a plan must show which). {@code _key_file} names a path
     * and stays visible. Its value is masked in listings and is a secret in expressions.
     */
    public static boolean isSecret(String name, Object value) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.contains("password") || n.contains("passwd") || n.endsWith("_pass")) {
            return true;
        }
        boolean path = value instanceof String v && (v.startsWith("/") || v.startsWith("~/")) && v.strip().equals(v)
                && v.indexOf(' ') < 0;
        return !path && (n.contains("secret") || n.contains("token") || n.endsWith("_key"));
    }

    private static Object maskNested(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> m = new LinkedHashMap<>();
            map.forEach((k, v) -> m.put(String.valueOf(k), v));
            return masked(m);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(maskNested(v)));
            return Collections.unmodifiableList(out);
        }
        return value;
    }
}
