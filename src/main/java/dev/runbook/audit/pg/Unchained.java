package dev.runbook.audit.pg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.EventText;

/**
 * An event's line before it is chained, with the columns the history queries need. This is what
 * waits in the writer's queue and in the spool: the chain link is made when it is committed.
 *
 * @param body the line with {@code "prev":null} and no hash ({@link EventText#unchained})
 */
record Unchained(String runId, long seq, String ts, String type, String runbook, String body) {
    /** The run id of events that belong to no run ({@code schedule.skipped}, the file's own {@code audit.*} records). */
    static final String RUNLESS = "-";

    static Unchained of(AuditEvent e) {
        return new Unchained(e.runId(), e.seq(), e.ts(), e.type(), e.runbook() == null ? null : e.runbook().name(),
                EventText.unchained(e));
    }

    /** From an unchained line (a spool's); null when it is not one. */
    static Unchained parse(String body) {
        ObjectNode n = AuditCodec.parse(body);
        if (n == null || !n.hasNonNull("run_id") || !n.hasNonNull("type") || !n.has("seq") || !body.endsWith("\"prev\":null}")) {
            return null;
        }
        JsonNode rb = n.path("runbook");
        return new Unchained(n.get("run_id").asText(), n.path("seq").asLong(), n.path("ts").asText(null),
                n.get("type").asText(), rb.isObject() ? rb.path("name").asText(null) : null, body);
    }

    /**
     * The idempotency key: a run's event is stored once, however often it is delivered. An event of
     * no run ({@code run_id "-"}, such as {@code schedule.skipped}) has no sequence of its own: its
     * whole text is its identity.
     */
    String key() {
        return runless() ? body : runId + "\u0000" + seq;
    }

    /** Whether this event belongs to no run. */
    boolean runless() {
        return RUNLESS.equals(runId);
    }
}
