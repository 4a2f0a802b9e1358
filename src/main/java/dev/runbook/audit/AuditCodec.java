package dev.runbook.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Json;
import dev.runbook.expr.JsonValues;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The one place events become JSON lines and hashes. {@code hash = sha256(prev + "\n" + line
 * without its hash field)}, over the exact bytes written, so verification recomputes it from the
 * line as stored.
 */
public final class AuditCodec {
    public static final String GENESIS = "0".repeat(64);

    private AuditCodec() {}

    /** The chained event's line (no newline) and its hash. */
    public record Line(String text, String hash) {}

    /**
     * The line for an event, written with the streaming generator (no ObjectMapper on a run's
     * path); {@link #recompute} gives the same hash from the line read back.
     */
    public static Line encode(AuditEvent e, String prev) {
        String withoutHash = Json.write(fields(e, prev));
        String hash = hash(prev, withoutHash);
        return new Line(withoutHash.substring(0, withoutHash.length() - 1) + ",\"hash\":\"" + hash + "\"}", hash);
    }

    /** The event's fields as plain values in contract field order, {@code prev} last, without {@code hash}. */
    public static Map<String, Object> fields(AuditEvent e, String prev) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("v", e.v());
        m.put("run_id", e.runId());
        m.put("seq", e.seq());
        m.put("ts", e.ts());
        m.put("type", e.type());
        if (e.runbook() != null) {
            Map<String, Object> rb = new java.util.LinkedHashMap<>();
            rb.put("name", e.runbook().name());
            rb.put("path", e.runbook().path());
            rb.put("sha256", e.runbook().sha256());
            m.put("runbook", rb);
        } else {
            m.put("runbook", null);
        }
        m.put("host", e.host());
        m.put("step", e.step());
        Map<String, Object> actor = new java.util.LinkedHashMap<>();
        actor.put("user", e.actor() == null ? null : e.actor().user());
        actor.put("via", e.actor() == null ? null : e.actor().via());
        m.put("actor", actor);
        m.put("data", JsonValues.forJson(e.data()));
        m.put("prev", prev);
        return m;
    }

    private static final java.util.regex.Pattern HASH_AT_END = java.util.regex.Pattern.compile("\"hash\":\"([0-9a-f]{64})\"}\\s*$");

    /** The hash at the end of a line this codec wrote, without parsing the JSON; null if absent. */
    public static String trailingHash(String line) {
        java.util.regex.Matcher m = HASH_AT_END.matcher(line);
        return m.find() ? m.group(1) : null;
    }

    /** Recomputes a stored line's hash from its content; null when the line is not an event. */
    public static String recompute(ObjectNode stored) {
        ObjectNode copy = stored.deepCopy();
        copy.remove("hash");
        JsonNode prev = copy.get("prev");
        return hash(prev == null || prev.isNull() ? "" : prev.asText(), write(copy));
    }

    static String write(JsonNode n) {
        try {
            return Json.mapper().writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new AuditException("cannot encode an audit event", e);
        }
    }

    public static String hash(String prev, String body) {
        return sha256(prev + "\n" + body);
    }

    public static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a stored line; null when it is not a JSON object. */
    public static ObjectNode parse(String line) {
        try {
            JsonNode n = Json.mapper().readTree(line);
            return n instanceof ObjectNode o ? o : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    public static AuditEvent decode(ObjectNode n) {
        JsonNode rb = n.path("runbook");
        JsonNode actor = n.path("actor");
        return new AuditEvent(n.path("v").asInt(), text(n, "run_id"), n.path("seq").asLong(), text(n, "ts"),
                text(n, "type"),
                rb.isObject() ? new AuditEvent.RunbookRef(text(rb, "name"), text(rb, "path"), text(rb, "sha256")) : null,
                text(n, "host"), text(n, "step"),
                new AuditEvent.Actor(text(actor, "user"), text(actor, "via")),
                n.has("data") && n.get("data").isObject() ? (Map<String, Object>) JsonValues.toPlain(n.get("data")) : Map.of(),
                text(n, "prev"), text(n, "hash"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
