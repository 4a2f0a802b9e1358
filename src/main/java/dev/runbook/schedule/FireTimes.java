package dev.runbook.schedule;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;
import org.quartz.CronExpression;

/**
 * When a cron fires in its time zone, with cron(8)'s rules where the clocks change. Quartz alone
 * skips a time that does not exist that day (a daily 02:30 in Europe/Berlin vanishes on the day the
 * clocks go forward) and fires only the second occurrence of a time that happens twice (an hourly
 * job in New York loses the whole first 01:xx in November). Here a cron with fixed hours fires a
 * skipped time once, at the first instant after the gap, and a repeated time once, at its first
 * occurrence; a cron running every hour ({@code *} in the hours field) fires in the hours that
 * exist, in both occurrences of a repeated one.
 *
 * <p>Between two transitions a zone has one offset, so each stretch is computed with a fixed-offset
 * copy of the cron, which no change of the clocks can confuse. Thread-safe.
 */
final class FireTimes {
    /** Beyond this, Quartz's own answer (a cron that fires once in years, or never again). */
    private static final Duration HORIZON = Duration.ofDays(5 * 366);
    private static final Set<String> EVERY_HOUR = Set.of("*", "*/1", "0/1", "0-23", "0-23/1");

    private final String text;
    private final ZoneId zone;
    private final ZoneRules rules;
    private final boolean everyHour;
    private final Map<ZoneOffset, CronExpression> fixed = new ConcurrentHashMap<>();

    private FireTimes(String text, ZoneId zone) {
        this.text = text;
        this.zone = zone;
        this.rules = zone.getRules();
        String[] fields = text.trim().split("\\s+");
        this.everyHour = fields.length > 2 && EVERY_HOUR.contains(fields[2]);
    }

    /** @throws ParseException when {@code cron} is not a Quartz cron expression */
    static FireTimes of(String cron, ZoneId zone) throws ParseException {
        CronExpression.validateExpression(cron);
        return new FireTimes(cron, zone);
    }

    /** For a cron the loader accepted already. */
    static FireTimes of(Schedule s) {
        try {
            return of(s.cron(), s.timeZone());
        } catch (ParseException e) {
            throw new IllegalArgumentException("invalid cron '" + s.cron() + "'", e);
        }
    }

    String cron() {
        return text;
    }

    ZoneId zone() {
        return zone;
    }

    boolean everyHour() {
        return everyHour;
    }

    /** The first fire strictly after {@code after}, or null when it never fires again. */
    Instant next(Instant after) {
        if (rules.isFixedOffset()) {
            return fixedNext(rules.getOffset(after), after);
        }
        Instant horizon = after.plus(HORIZON);
        Instant from = after;
        Instant segment = after;
        ZoneOffset offset = rules.getOffset(after);
        while (segment.isBefore(horizon)) {
            ZoneOffsetTransition t = rules.nextTransition(segment);
            Instant end = t == null ? Instant.MAX : t.getInstant();
            Instant c = fixedNext(offset, from);
            if (c != null && c.isBefore(end)) {
                if (!repeated(c)) {
                    return c;
                }
                from = c;
                continue;
            }
            if (t == null) {
                return null;
            }
            if (t.isGap() && skipsAFire(t) != null) {
                return end;
            }
            from = end.minusMillis(1);
            segment = end;
            offset = t.getOffsetAfter();
        }
        return quartzNext(after);
    }

    /**
     * The last fire strictly before {@code before} and not before {@code notBefore}, or null: found
     * by widening a window back from {@code before}, since Quartz cannot count backwards.
     */
    Instant lastBefore(Instant before, Instant notBefore) {
        for (Duration w = Duration.ofSeconds(1); ; w = w.multipliedBy(2)) {
            Instant from = before.minus(w);
            boolean whole = !from.isAfter(notBefore);
            if (whole) {
                from = notBefore.minusMillis(1);
            }
            Instant c = next(from);
            if (c != null && c.isBefore(before)) {
                for (Instant n = next(c); n != null && n.isBefore(before); n = next(n)) {
                    c = n;
                }
                return c;
            }
            if (whole) {
                return null;
            }
        }
    }

    /** A fire at the second occurrence of a repeated time whose first occurrence fired already (fixed hours only). */
    private boolean repeated(Instant c) {
        ZoneOffsetTransition p = rules.previousTransition(c.plusMillis(1));
        return !everyHour && p != null && p.isOverlap() && c.isBefore(p.getInstant().plus(p.getDuration().abs()));
    }

    /**
     * For a gap (the clocks go forward): the first local time in it the cron names, as the instant it
     * would have been at the offset before; null when it names none or runs every hour anyway.
     */
    Instant skipsAFire(ZoneOffsetTransition gap) {
        if (everyHour) {
            return null;
        }
        Instant c = fixedNext(gap.getOffsetBefore(), gap.getInstant().minusMillis(1));
        return c != null && c.isBefore(gap.getInstant().plus(gap.getDuration())) ? c : null;
    }

    /**
     * For an overlap (the clocks go back): the first fire in the repeated stretch's first
     * occurrence, or null when the cron names no time in it.
     */
    Instant firesInRepeat(ZoneOffsetTransition overlap) {
        Duration len = overlap.getDuration().abs();
        Instant c = fixedNext(overlap.getOffsetBefore(), overlap.getInstant().minus(len).minusMillis(1));
        return c != null && c.isBefore(overlap.getInstant()) ? c : null;
    }

    private Instant fixedNext(ZoneOffset offset, Instant after) {
        CronExpression c = fixed.computeIfAbsent(offset, o -> expression(TimeZone.getTimeZone(o)));
        Date d = c.getTimeAfter(Date.from(after));
        return d == null ? null : d.toInstant();
    }

    private Instant quartzNext(Instant after) {
        Date d = expression(TimeZone.getTimeZone(zone)).getTimeAfter(Date.from(after));
        return d == null ? null : d.toInstant();
    }

    private CronExpression expression(TimeZone tz) {
        try {
            CronExpression c = new CronExpression(text);
            c.setTimeZone(tz);
            return c;
        } catch (ParseException e) {
            throw new IllegalStateException(e);  // validated in of()
        }
    }
}
