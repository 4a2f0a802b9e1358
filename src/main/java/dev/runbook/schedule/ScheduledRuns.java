package dev.runbook.schedule;

import dev.runbook.engine.RunControl;
import dev.runbook.engine.RunOutcome;

/** Runs one fire of a schedule through the engine. Implemented by the CLI, which knows the services. */
public interface ScheduledRuns {
    /**
     * Runs the schedule's runbook to its end (or until {@code control} interrupts it).
     *
     * @param scheduledAt the fire time Quartz scheduled, recorded in {@code run.started}
     *
     * @throws dev.runbook.engine.LockedException when the previous run still holds the lock
     */
    RunOutcome run(Schedule schedule, String node, java.time.Instant scheduledAt, RunControl control);

    /**
     * Records a fire that did not become a run (the previous run still held the lock, or the run
     * could not start), so the audit trail shows every fire. The default records nothing.
     */
    default void skipped(Schedule schedule, String node, java.time.Instant scheduledAt, String reason) { }
}
