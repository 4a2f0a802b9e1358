package dev.runbook.audit;

import java.util.Map;

/**
 * One audit event, as the contract names its fields. {@code prev} and {@code hash} are set by
 * the sink that chains it; everything else by the engine.
 *
 * @param host null for run-level events
 * @param step null for run-level events
 */
public record AuditEvent(
        int v,
        String runId,
        long seq,
        String ts,
        String type,
        RunbookRef runbook,
        String host,
        String step,
        Actor actor,
        Map<String, Object> data,
        String prev,
        String hash) {

    public static final int VERSION = 1;

    public AuditEvent {
        data = data == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
    }

    /** The runbook an event belongs to. */
    public record RunbookRef(String name, String path, String sha256) {}

    /** Who caused it: a user, and how their decision reached the run (tty, flag, schedule, rule). */
    public record Actor(String user, String via) {}

    public AuditEvent chained(String prevHash, String newHash) {
        return new AuditEvent(v, runId, seq, ts, type, runbook, host, step, actor, data, prevHash, newHash);
    }
}
