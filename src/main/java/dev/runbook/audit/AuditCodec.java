package dev.runbook.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    static final ObjectMapper JSON = new ObjectMapper();

    private AuditCodec() {}

    /** The event as an object node in contract field order, without {@code hash}. */
    public static ObjectNode body(AuditEvent e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("v", e.v());
        n.put("run_id", e.runId());
        n.put("seq", e.seq());
        n.put("ts", e.ts());
        n.put("type", e.type());
        if (e.runbook() != null) {
            ObjectNode rb = n.putObject("runbook");
            rb.put("name", e.runbook().name());
            rb.put("path", e.runbook().path());
            rb.put("sha256", e.runbook().sha256());
        } else {
            n.putNull("runbook");
        }
        putNullable(n, "host", e.host());
        putNullable(n, "step", e.step());
        ObjectNode actor = n.putObject("actor");
        actor.put("user", e.actor() == null ? null : e.actor().user());
        actor.put("via", e.actor() == null ? null : e.actor().via());
        n.set("data", JSON.valueToTree(JsonValues.forJson(e.data())));
        n.put("prev", e.prev());
        return n;
    }

    private static void putNullable(ObjectNode n, String field, String value) {
        if (value == null) {
            n.putNull(field);
        } else {
            n.put(field, value);
        }
    }

    /** The chained event's line (no newline) and its hash. */
    public record Line(String text, String hash) {}

    public static Line encode(AuditEvent e, String prev) {
        ObjectNode body = body(e.chained(prev, null));
        String withoutHash = write(body);
        String hash = hash(prev, withoutHash);
        body.put("hash", hash);
        return new Line(write(body), hash);
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
            return JSON.writeValueAsString(n);
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
            JsonNode n = JSON.readTree(line);
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
