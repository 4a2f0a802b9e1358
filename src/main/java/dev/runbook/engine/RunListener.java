package dev.runbook.engine;

import dev.runbook.audit.AuditEvent;
import dev.runbook.exec.OutputListener;

/**
 * Follows a run: every event after it was audited, and each line of output (secrets already
 * masked). Called from host threads; implementations synchronise their own output.
 */
public interface RunListener {
    void event(AuditEvent event);

    default void output(String host, String step, OutputListener.Stream stream, String line) { }

    /** A notice for the person running it (not audited): a fallback, a takeover. */
    default void notice(String message) { }

    RunListener NONE = e -> { };
}
