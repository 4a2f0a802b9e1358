package dev.runbook.engine;

import dev.runbook.expr.Secret;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Replaces every secret value with {@code ****} in text that leaves the engine. */
public final class Masker {
    private final List<String> values = new ArrayList<>();

    /**
     * The notice a secret value shorter than 4 characters is worth before the run (masking it hides
     * every occurrence of those characters), or null.
     *
     * @param what  what the value is, e.g. {@code secret 'token'}
     * @param where what is masked, e.g. {@code output}
     */
    public static String shortNotice(String what, String value, String where) {
        return value == null || value.isEmpty() || value.length() >= 4 ? null
                : what + " is shorter than 4 characters: masking it hides every occurrence of those characters in " + where;
    }

    public synchronized void add(String secretValue) {
        if (secretValue == null || secretValue.isEmpty()) {
            return;
        }
        for (String v : secretValue.split("\n")) {
            String s = v.strip();
            if (!s.isEmpty() && !values.contains(s)) {
                values.add(s);
            }
        }
        values.sort(Comparator.comparingInt(String::length).reversed());
    }

    public synchronized String mask(String text) {
        if (text == null || values.isEmpty()) {
            return text;
        }
        String out = text;
        for (String v : values) {
            if (out.contains(v)) {
                out = out.replace(v, Secret.MASK);
            }
        }
        return out;
    }

    /** Masks every string inside a value tree (maps and lists copied). */
    public Object maskDeep(Object value) {
        if (value instanceof String s) {
            return mask(s);
        }
        if (value instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), maskDeep(v)));
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(maskDeep(v)));
            return out;
        }
        return value;
    }
}
