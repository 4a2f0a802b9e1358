package dev.runbook.schedule;

import java.time.Instant;
import java.util.Collection;
import org.quartz.JobDataMap;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;

/**
 * Fires missed while no daemon ran, for the in-memory store (the clustered store's triggers keep
 * their own last fire, and Quartz applies the misfire policy to them). From the last fire on
 * record ({@link LastFires}): {@code misfire: run-once} runs once now for all of them,
 * {@code skip} audits them as skipped.
 */
final class CatchUp {
    /** Job data of a catch-up fire: the first and the last cron time it makes up for. */
    static final String FIRST = "missed_first";
    static final String LAST = "missed_last";

    private CatchUp() {}

    /** After the triggers were made: the fires between the last on record and each trigger's first. */
    static void atStart(Daemon daemon, Scheduler scheduler, LastFires lastFires, Collection<Schedule> schedules)
            throws SchedulerException {
        for (Schedule s : schedules) {
            Instant last = lastFires.last(s.id());
            Trigger trigger = scheduler.getTrigger(TriggerKey.triggerKey(s.id(), Daemon.GROUP));
            if (last == null || trigger == null) {
                continue;
            }
            // Quartz's first fire of a new cron trigger is the first cron time after its start less a second
            Instant until = trigger.getStartTime().toInstant().minusSeconds(1);
            FireTimes times = FireTimes.of(s);
            Instant first = times.next(last);
            if (first == null || first.isAfter(until)) {
                continue;
            }
            Instant lastMissed = times.lastBefore(until.plusMillis(1), first);
            String span = first.equals(lastMissed) ? "the fire of " + first : "the fires from " + first + " to " + lastMissed;
            if (s.misfire() == Schedule.Misfire.RUN_ONCE) {
                daemon.log("schedule " + s.id() + ": " + span + " missed while no daemon ran: one run for them now (misfire: run-once)");
                JobDataMap data = new JobDataMap();
                data.put(FIRST, first.toString());
                data.put(LAST, lastMissed.toString());
                scheduler.triggerJob(JobKey.jobKey(s.id(), Daemon.GROUP), data);
            } else {
                daemon.log("schedule " + s.id() + ": " + span + " missed while no daemon ran: skipped (misfire: skip)");
                daemon.skipped(s, lastMissed, "missed while no daemon ran: " + span + " (misfire: skip)");
            }
        }
    }
}
