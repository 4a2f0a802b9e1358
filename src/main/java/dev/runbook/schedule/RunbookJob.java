package dev.runbook.schedule;

import dev.runbook.engine.LockedException;
import dev.runbook.engine.RunControl;
import dev.runbook.engine.RunOutcome;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import org.quartz.InterruptableJob;
import org.quartz.JobExecutionContext;

/** One fire of a schedule: a normal run with its audit, actor {@code schedule@<node>}. */
final class RunbookJob implements InterruptableJob {
    private final Daemon daemon;
    private final RunControl control = new RunControl();

    RunbookJob(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void execute(JobExecutionContext context) {
        String id = context.getJobDetail().getKey().getName();
        Schedule schedule = daemon.schedule(id);
        if (schedule == null) {
            daemon.log("fire of unknown schedule '" + id + "' ignored (removed from the configuration?)");
            return;
        }
        ScheduledRuns.Fire fire = fire(context, schedule);
        long scheduled = fire.scheduledAt().toEpochMilli();
        daemon.fired(schedule, fire);
        daemon.runStarted(context.getFireInstanceId(), control);
        long start = System.nanoTime();
        try {
            RunOutcome o = runHonouringOverlap(schedule, fire, fire.missedSince() != null ? System.currentTimeMillis() : scheduled);
            if (o != null) {
                String outcome = o.status().name().toLowerCase(Locale.ROOT);
                daemon.metrics().finished(id, outcome, (System.nanoTime() - start) / 1e9);
                daemon.log("schedule " + id + ": run " + o.runId() + " " + said(outcome, o.message()));
            }
        } catch (RuntimeException e) {
            String why = why(e);
            daemon.metrics().notStarted(id, "error");
            daemon.log("schedule " + id + ": run could not start: " + why);
            record(schedule, fire.scheduledAt(), "could not start: " + why);
        } finally {
            daemon.runEnded(context.getFireInstanceId());
        }
    }

    /**
     * The fire as the audit records it. A run that makes up for missed fires (Quartz's run-once
     * after downtime fires "now", not at a cron time; the in-memory store's catch-up says so in its
     * data) records the last missed cron time, and the first.
     */
    static ScheduledRuns.Fire fire(JobExecutionContext context, Schedule schedule) {
        org.quartz.JobDataMap data = context.getMergedJobDataMap();
        if (data.containsKey(CatchUp.LAST)) {
            return new ScheduledRuns.Fire(Instant.parse(data.getString(CatchUp.LAST)), Instant.parse(data.getString(CatchUp.FIRST)));
        }
        Instant at = context.getScheduledFireTime() == null ? Instant.now() : context.getScheduledFireTime().toInstant();
        FireTimes times = FireTimes.of(schedule);
        if (at.equals(times.next(at.minusMillis(1)))) {
            return ScheduledRuns.Fire.at(at);
        }
        Date previous = context.getPreviousFireTime();
        Date start = context.getTrigger().getStartTime();
        Instant since = previous != null ? previous.toInstant() : start != null ? start.toInstant().minusMillis(1) : null;
        Instant first = since == null || schedule.misfire() != Schedule.Misfire.RUN_ONCE ? null : times.next(since);
        if (first == null || !first.isBefore(at)) {
            return ScheduledRuns.Fire.at(at);
        }
        return new ScheduledRuns.Fire(times.lastBefore(at, first), first);
    }

    /** Why a run could not start, once: an input problem without a file is its message, not "runbook: error: ...". */
    private static String why(RuntimeException e) {
        if (e instanceof dev.runbook.model.InvalidInputException invalid && !invalid.diagnostics().isEmpty()) {
            dev.runbook.model.Diagnostic d = invalid.diagnostics().get(0);
            return d.pos().line() > 0 ? d.toString() : d.message();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private void record(Schedule schedule, java.time.Instant scheduledAt, String reason) {
        try {
            daemon.runs().skipped(schedule, daemon.node(), scheduledAt, reason);
        } catch (RuntimeException e) {
            daemon.log("schedule " + schedule.id() + ": the skipped fire could not be audited: " + e.getMessage());
        }
    }

    /** @param due when the run was due, for the fire delay: a catch-up run is due when it is fired */
    private RunOutcome runHonouringOverlap(Schedule schedule, ScheduledRuns.Fire fire, long due) {
        boolean counted = false;
        while (true) {
            try {
                if (!counted) {
                    // the fire delay: from the scheduled time to the run starting (lock waits included)
                    daemon.metrics().started(schedule.id(), (System.currentTimeMillis() - due) / 1000.0);
                    counted = true;
                }
                return daemon.runs().run(schedule, daemon.node(), fire, control);
            } catch (LockedException e) {
                if (schedule.overlap() == Schedule.Overlap.SKIP || daemon.stopping() || control.interrupts() > 0) {
                    daemon.metrics().notStarted(schedule.id(), "skipped_overlap");
                    daemon.log("schedule " + schedule.id() + ": skipped, " + e.getMessage());
                    record(schedule, fire.scheduledAt(), "overlap: " + e.getMessage());
                    return null;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
    }

    @Override
    public void interrupt() {
        control.interrupt("SIGTERM: the daemon is stopping");
    }

    /** "failed (step x failed)", but "interrupted (SIGTERM: ...)" where the message already says how it ended. */
    static String said(String outcome, String message) {
        if (message == null) {
            return outcome;
        }
        return message.startsWith(outcome + " ") ? message : outcome + " (" + message + ")";
    }
}
