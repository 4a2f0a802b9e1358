package dev.runbook.schedule;

import dev.runbook.engine.LockedException;
import dev.runbook.engine.RunControl;
import dev.runbook.engine.RunOutcome;
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
        long scheduled = context.getScheduledFireTime() == null ? System.currentTimeMillis() : context.getScheduledFireTime().getTime();
        java.time.Instant scheduledAt = java.time.Instant.ofEpochMilli(scheduled);
        daemon.runStarted(context.getFireInstanceId(), control);
        long start = System.nanoTime();
        try {
            RunOutcome o = runHonouringOverlap(schedule, scheduledAt, scheduled);
            if (o != null) {
                String outcome = o.status().name().toLowerCase(Locale.ROOT);
                daemon.metrics().finished(id, outcome, (System.nanoTime() - start) / 1e9);
                daemon.log("schedule " + id + ": run " + o.runId() + " " + outcome + (o.message() == null ? "" : " (" + o.message() + ")"));
            }
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            daemon.metrics().notStarted(id, "error");
            daemon.log("schedule " + id + ": run could not start: " + why);
            record(schedule, scheduledAt, "could not start: " + why);
        } finally {
            daemon.runEnded(context.getFireInstanceId());
        }
    }

    private void record(Schedule schedule, java.time.Instant scheduledAt, String reason) {
        try {
            daemon.runs().skipped(schedule, daemon.node(), scheduledAt, reason);
        } catch (RuntimeException e) {
            daemon.log("schedule " + schedule.id() + ": the skipped fire could not be audited: " + e.getMessage());
        }
    }

    private RunOutcome runHonouringOverlap(Schedule schedule, java.time.Instant scheduledAt, long scheduled) {
        boolean counted = false;
        while (true) {
            try {
                if (!counted) {
                    // the fire delay: from the scheduled time to the run starting (lock waits included)
                    daemon.metrics().started(schedule.id(), (System.currentTimeMillis() - scheduled) / 1000.0);
                    counted = true;
                }
                return daemon.runs().run(schedule, daemon.node(), scheduledAt, control);
            } catch (LockedException e) {
                if (schedule.overlap() == Schedule.Overlap.SKIP || daemon.stopping() || control.interrupts() > 0) {
                    daemon.metrics().notStarted(schedule.id(), "skipped_overlap");
                    daemon.log("schedule " + schedule.id() + ": skipped, " + e.getMessage());
                    record(schedule, scheduledAt, "overlap: " + e.getMessage());
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
}
