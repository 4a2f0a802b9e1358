package dev.runbook.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.expr.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An event's line before it is chained, and the chaining of such a line. Stores that chain an
 * event later than it happened (PostgreSQL, which chains at commit, and its spool) keep this text
 * and link it with {@link #chain}: the result is byte for byte what {@link AuditCodec#encode}
 * makes of the same event, so the file and PostgreSQL hold identical lines.
 */
public final class EventText {
    private static final String UNLINKED_END = "\"prev\":null}";
    private static final HexFormat HEX = HexFormat.of();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private EventText() {}

    /** The event's line with {@code "prev":null} and no hash. */
    public static String unchained(AuditEvent e) {
        String text = Json.write(AuditCodec.fields(e, null));
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

    /**
     * Links an unchained line to {@code prev}: {@code hash = sha256(prev + "\n" + line without hash)},
     * as {@link AuditCodec#hash} computes it (without building the concatenation: this runs for
     * every event a PostgreSQL writer commits).
     */
    public static AuditCodec.Line chain(String unchained, String prev) {
        if (!unchained.endsWith(UNLINKED_END) || !isHash(prev)) {
            throw new IllegalArgumentException("not an unchained event line, or not a hash to link to");
        }
        String linked = unchained.substring(0, unchained.length() - 5) + "\"" + prev + "\"}";
        String hash = hash(prev, linked);
        return new AuditCodec.Line(linked.substring(0, linked.length() - 1) + ",\"hash\":\"" + hash + "\"}", hash);
    }

    private static final String PREV_FIELD = ",\"prev\":\"";
    private static final String HASH_FIELD = "\",\"hash\":\"";
    /** {@code ,"prev":"<64 hex>","hash":"<64 hex>"}}: how every chained line ends. */
    private static final int TAIL = PREV_FIELD.length() + 64 + HASH_FIELD.length() + 64 + 2;

    /**
     * The hash of a stored line when its text is byte for byte what was hashed: it ends with
     * {@code "prev"} equal to {@code prev} and then its hash, and the hash is that of the text
     * before the hash field (closed with a brace) linked to {@code prev}. Null otherwise, which
     * is not yet a verdict: a line whose JSON was reformatted after it was written fails here and
     * is judged on its content.
     */
    public static String verifiedHash(String line, String prev) {
        int start = line.length() - TAIL;
        int prevAt = start + PREV_FIELD.length();
        int hashFieldAt = prevAt + 64;
        if (start <= 0 || !isHash(prev) || line.charAt(0) != '{' || !line.endsWith("\"}")
                || !line.startsWith(PREV_FIELD, start) || !line.startsWith(prev, prevAt)
                || !line.startsWith(HASH_FIELD, hashFieldAt)) {
            return null;
        }
        String stored = line.substring(hashFieldAt + HASH_FIELD.length(), line.length() - 2);
        String hash = hash(prev, line.substring(0, hashFieldAt + 1) + "}");
        return hash.equals(stored) ? hash : null;
    }

    /** {@code sha256(prev + "\n" + text)} without building the concatenation. */
    private static String hash(String prev, String text) {
        MessageDigest md = SHA256.get();
        md.update(prev.getBytes(StandardCharsets.US_ASCII));
        md.update((byte) '\n');
        md.update(text.getBytes(StandardCharsets.UTF_8));
        return HEX.formatHex(md.digest());
    }

    private static boolean isHash(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }
}
