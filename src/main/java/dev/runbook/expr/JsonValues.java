package dev.runbook.expr;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.model.Text;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts between Jackson trees and the plain values expressions work on. */
public final class JsonValues {
    private JsonValues() {}

    /** A JSON tree as maps, lists, strings, numbers, booleans and null. */
    public static Object toPlain(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                map.put(e.getKey(), toPlain(e.getValue()));
            }
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(toPlain(n)));
            return list;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return node.asText();
    }

    /** A value made safe to serialise: secrets masked, source texts unwrapped, arrays as lists. */
    public static Object forJson(Object x) {
        return plain(x, false);
    }

    /**
     * The JSON text of a value sent to a server (an http body, a WebSocket message): secrets are
     * revealed here, and only here, because the server needs them; everything else as {@link #forJson}.
     */
    public static String revealedJson(Object value) {
        try {
            return Json.mapper().writeValueAsString(plain(value, true));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Object plain(Object x, boolean revealSecrets) {
        if (x instanceof Secret s) {
            return revealSecrets ? s.reveal() : Secret.MASK;
        }
        if (x instanceof Unknown) {
            return x.toString();
        }
        if (x instanceof Text t) {
            return t.value();
        }
        if (x instanceof Raw || x instanceof Ident) {
            return x.toString();
        }
        if (x instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), plain(v, revealSecrets)));
            return out;
        }
        if (x instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            it.forEach(v -> out.add(plain(v, revealSecrets)));
            return out;
        }
        if (x != null && x.getClass().isArray()) {
            return plain(Functions.asList(x), revealSecrets);
        }
        return x;
    }
}
