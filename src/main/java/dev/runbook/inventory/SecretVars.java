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
     * A copy of {@code vars} with each secret-looking value replaced by {@value #MASK}, nested
     * mappings included. A name looks secret when it contains password, passwd, secret or token,
     * or ends in {@code _key} or {@code _pass} (Ansible's {@code ansible_ssh_pass},
     * {@code ansible_become_pass}); {@code _key_file} names a path and stays visible. Null values
     * stay null: there is nothing to hide.
     */
    public static Map<String, Object> masked(Map<String, ?> vars) {
        Map<String, Object> out = new LinkedHashMap<>();
        vars.forEach((name, value) -> out.put(name, value != null && isSecret(name) ? MASK : maskNested(value)));
        return Collections.unmodifiableMap(out);
    }

    static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("password") || n.contains("passwd") || n.contains("secret") || n.contains("token")
                || n.endsWith("_key") || n.endsWith("_pass");
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
