package dev.runbook.audit;

/**
 * Where audit events go. Called from the engine's thread (and host threads, one event at a time).
 */
public interface AuditSink extends AutoCloseable {

    /**
     * Appends an event, chaining it to the one before.
     *
     * @param durable the event must survive a crash before this returns (fsync or commit): a
     *                mutating step's {@code step.started}, a run's end
     * @throws AuditException when the event could not be recorded; the engine then refuses to
     *                        start the step it announces
     */
    void append(AuditEvent event, boolean durable);

    /** A line for the run summary saying where the trail is. */
    String describe();

    @Override
    void close();
}
