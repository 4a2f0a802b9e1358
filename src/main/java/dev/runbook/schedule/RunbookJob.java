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
        double delay = (System.currentTimeMillis() - scheduled) / 1000.0;
        daemon.runStarted(context.getFireInstanceId(), control);
        daemon.metrics().started(id, delay);
        long start = System.nanoTime();
        String outcome = "error";
        try {
            RunOutcome o = runHonouringOverlap(schedule, java.time.Instant.ofEpochMilli(scheduled));
            outcome = o == null ? "skipped_overlap" : o.status().name().toLowerCase(Locale.ROOT);
            if (o != null) {
                daemon.log("schedule " + id + ": run " + o.runId() + " " + outcome + (o.message() == null ? "" : " (" + o.message() + ")"));
            }
        } catch (RuntimeException e) {
            daemon.log("schedule " + id + ": run could not start: " + e.getMessage());
        } finally {
            daemon.metrics().finished(id, outcome, (System.nanoTime() - start) / 1e9);
            daemon.runEnded(context.getFireInstanceId());
        }
    }

    private RunOutcome runHonouringOverlap(Schedule schedule, java.time.Instant scheduledAt) {
        while (true) {
            try {
                return daemon.runs().run(schedule, daemon.node(), scheduledAt, control);
            } catch (LockedException e) {
                if (schedule.overlap() == Schedule.Overlap.SKIP || daemon.stopping() || control.interrupts() > 0) {
                    daemon.log("schedule " + schedule.id() + ": skipped, " + e.getMessage());
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
