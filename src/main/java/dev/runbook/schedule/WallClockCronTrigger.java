package dev.runbook.schedule;

import java.text.ParseException;
import java.util.Date;
import java.util.TimeZone;
import org.quartz.CronTrigger;
import org.quartz.ScheduleBuilder;
import org.quartz.impl.triggers.CronTriggerImpl;
import org.quartz.spi.MutableTrigger;

/**
 * Quartz's cron trigger firing by {@link FireTimes}: cron(8)'s rules where the clocks change, in
 * the in-memory store and, through {@link WallClockCronPersistence}, in the clustered one.
 */
final class WallClockCronTrigger extends CronTriggerImpl {
    private static final long serialVersionUID = 1L;

    private transient volatile FireTimes times;

    @Override
    protected Date getTimeAfter(Date after) {
        java.time.Instant next = times().next(after.toInstant());
        return next == null ? null : Date.from(next);
    }

    private FireTimes times() {
        FireTimes t = times;
        if (t == null || !t.zone().equals(getTimeZone().toZoneId()) || !t.cron().equals(getCronExpression())) {
            try {
                t = FireTimes.of(getCronExpression(), getTimeZone().toZoneId());
            } catch (ParseException e) {
                throw new IllegalStateException(e);  // Quartz parsed it when it was set
            }
            times = t;
        }
        return t;
    }

    /** Tells Quartz's own cron persistence to leave this trigger to ours, which keeps its class. */
    @Override
    public boolean hasAdditionalProperties() {
        return true;
    }

    /** Builds the trigger, for {@code TriggerBuilder.withSchedule} and for loading from the store. */
    static final class Schedule extends ScheduleBuilder<CronTrigger> {
        private final String cron;
        private final TimeZone zone;
        private final Integer misfireInstruction;

        Schedule(String cron, TimeZone zone, Integer misfireInstruction) {
            this.cron = cron;
            this.zone = zone;
            this.misfireInstruction = misfireInstruction;
        }

        @Override
        protected MutableTrigger build() {
            WallClockCronTrigger t = new WallClockCronTrigger();
            try {
                t.setCronExpression(cron);
            } catch (ParseException e) {
                throw new IllegalArgumentException("invalid cron '" + cron + "'", e);
            }
            t.setTimeZone(zone);
            if (misfireInstruction != null) {
                t.setMisfireInstruction(misfireInstruction);
            }
            return t;
        }
    }
}
