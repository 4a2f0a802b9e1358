package dev.runbook.engine;

import dev.runbook.expr.Secret;
import dev.runbook.inventory.SecretVars;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A host's inventory vars as expressions see them ({@code host.vars}). A value that is secret by
 * the rule {@code runbook inventory list} masks by ({@link SecretVars#isSecret}:
 * {@code ansible_become_password}, {@code api_token}, nested keys too) is a {@link Secret}: whatever an expression makes of it shows
 * {@code ****}, a command receives it through the environment, and its value is masked in output.
 */
final class HostVars {
    private HostVars() {}

    static Map<String, Object> forScope(Map<String, Object> vars, Masker masker) {
        return wrap("", vars, masker);
    }

    private static Map<String, Object> wrap(String prefix, Map<?, ?> vars, Masker masker) {
        Map<String, Object> out = new LinkedHashMap<>();
        vars.forEach((k, v) -> {
            String name = String.valueOf(k);
            out.put(name, value(prefix + name, SecretVars.isSecret(name, v), v, masker));
        });
        return Collections.unmodifiableMap(out);
    }

    private static Object value(String path, boolean secret, Object v, Masker masker) {
        if (v instanceof Map<?, ?> m) {
            return wrap(path + ".", m, masker);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(item -> out.add(value(path, secret, item, masker)));
            return Collections.unmodifiableList(out);
        }
        if (!secret || v == null || v instanceof Secret) {
            return v;
        }
        masker.add(String.valueOf(v));
        return Secret.hostVar(path, String.valueOf(v));
    }
}
