package dev.runbook.engine;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.runbook.exec.OutputCapture;
import dev.runbook.expr.Functions;
import dev.runbook.expr.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Replaces every secret value with {@code ****} in text that leaves the engine. What the engine
 * shows of its own requests is rendered with {@code ****} in the first place; this is for what
 * commands and servers send back, and the second line of defence for the rest. Besides the value
 * itself it masks the forms a value is commonly printed in: percent-encoded (as in a URL, and as in
 * a form), JSON-escaped, and base64 of the value alone.
 */
public final class Masker {
    private final List<String> values = new ArrayList<>();
    /** The values added so far: a value added again (a host's secret var, at each step) costs a lookup, no encoding or sort. */
    private final java.util.Set<String> added = new java.util.HashSet<>();

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
        if (secretValue == null || secretValue.isEmpty() || !added.add(secretValue)) {
            return;
        }
        for (String v : secretValue.split("\n")) {
            String s = v.strip();
            if (!s.isEmpty()) {
                remember(s);
                if (s.length() >= 4) {
                    forms(s).forEach(this::remember);
                }
            }
        }
        values.sort(Comparator.comparingInt(String::length).reversed());
    }

    private void remember(String s) {
        if (!values.contains(s)) {
            values.add(s);
        }
    }

    /** The encoded forms of a value (none for one shorter than 4 characters: they would hide too much). */
    static List<String> forms(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>(List.of(Functions.urlencode(s), URLEncoder.encode(s, StandardCharsets.UTF_8),
                new String(JsonStringEncoder.getInstance().quoteAsString(s)), asciiJson(s),
                Base64.getEncoder().encodeToString(utf8), Base64.getEncoder().withoutPadding().encodeToString(utf8),
                Base64.getUrlEncoder().withoutPadding().encodeToString(utf8)));
        out.removeIf(f -> f.equals(s));
        return out;
    }

    /** JSON-escaped with every character outside ASCII as {@code \}{@code uXXXX}, as Python's json.dumps writes it. */
    private static String asciiJson(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : new String(JsonStringEncoder.getInstance().quoteAsString(s)).toCharArray()) {
            b.append(c < 128 ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.toString();
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
        if (out.endsWith(OutputCapture.CUT_END)) {
            String before = out.substring(0, out.length() - OutputCapture.CUT_END.length());
            int k = longestCut(before, true);
            out = k == 0 ? out : before.substring(0, before.length() - k) + Secret.MASK + OutputCapture.CUT_END;
        }
        if (out.startsWith(OutputCapture.CUT_START)) {
            String after = out.substring(OutputCapture.CUT_START.length());
            int k = longestCut(after, false);
            out = k == 0 ? out : OutputCapture.CUT_START + Secret.MASK + after.substring(k);
        }
        return out;
    }

    /**
     * Output cut in the middle of a secret keeps only part of it, which the whole value does not
     * match: the length of the longest start of a value that {@code text} ends with ({@code atEnd}),
     * or of the longest end of a value it starts with.
     */
    private int longestCut(String text, boolean atEnd) {
        int best = 0;
        for (String v : values) {
            if (v.length() < 4) {
                continue;  // masked wherever they are anyway
            }
            for (int k = Math.min(v.length() - 1, text.length()); k > best; k--) {
                if (atEnd ? text.endsWith(v.substring(0, k)) : text.startsWith(v.substring(v.length() - k))) {
                    best = k;
                    break;
                }
            }
        }
        return best;
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
