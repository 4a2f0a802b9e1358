package dev.runbook.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An event's line before it is chained, and the chaining of such a line. Stores that chain an
 * event later than it happened (PostgreSQL, which chains at commit, and its spool) keep this text
 * and link it with {@link #chain}: the result is byte for byte what {@link AuditCodec#encode}
 * makes of the same event, so the file and PostgreSQL hold identical lines.
 */
public final class EventText {
    private static final String UNLINKED_END = "\"prev\":null}";

    private EventText() {}

    /** The event's line with {@code "prev":null} and no hash. */
    public static String unchained(AuditEvent e) {
        String text = AuditCodec.write(AuditCodec.body(e.chained(null, null)));
        if (!text.endsWith(UNLINKED_END)) {
            throw new IllegalStateException("an event's line must end with its prev field");
        }
        return text;
    }

    /**
     * An unchained line from a stored, chained one: its hash removed and {@code prev} emptied.
     * Re-chaining it onto another chain ({@code audit import}) keeps every other byte.
     *
     * @return null when the line is not an event
     */
    public static String unchain(String line) {
        ObjectNode n = AuditCodec.parse(line);
        if (n == null || !n.has("prev")) {
            return null;
        }
        n.remove("hash");
        n.putNull("prev");
        String text = AuditCodec.write(n);
        return text.endsWith(UNLINKED_END) ? text : null;
    }

    /** Links an unchained line to {@code prev}: {@code hash = sha256(prev + "\n" + line without hash)}. */
    public static AuditCodec.Line chain(String unchained, String prev) {
        if (!unchained.endsWith(UNLINKED_END) || !prev.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not an unchained event line, or not a hash to link to");
        }
        String linked = unchained.substring(0, unchained.length() - 5) + "\"" + prev + "\"}";
        String hash = AuditCodec.hash(prev, linked);
        return new AuditCodec.Line(linked.substring(0, linked.length() - 1) + ",\"hash\":\"" + hash + "\"}", hash);
    }
}
