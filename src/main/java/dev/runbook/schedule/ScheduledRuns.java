package dev.runbook.schedule;

import dev.runbook.engine.RunControl;
import dev.runbook.engine.RunOutcome;
import java.time.Instant;

/** Runs one fire of a schedule through the engine. Implemented by the CLI, which knows the services. */
public interface ScheduledRuns {
    /**
     * One fire, as {@code run.started} records it.
     *
     * @param scheduledAt the cron time it fires for: for a run that makes up for fires missed while
     *                    no daemon (or no database) could fire them, the last of those
     * @param missedSince for such a run, the first fire it makes up for; else null
     */
    record Fire(Instant scheduledAt, Instant missedSince) {
        public static Fire at(Instant scheduledAt) {
            return new Fire(scheduledAt, null);
        }
    }

    /**
     * Runs the schedule's runbook to its end (or until {@code control} interrupts it).
     *
     * @throws dev.runbook.engine.LockedException when the previous run still holds the lock
     */
    RunOutcome run(Schedule schedule, String node, Fire fire, RunControl control);

    /**
     * Records a fire that did not become a run (the previous run still held the lock, the run
     * could not start, or it was missed and the schedule says skip), so the audit trail shows every
     * fire. The default records nothing.
     */
    default void skipped(Schedule schedule, String node, Instant scheduledAt, String reason) { }
}
