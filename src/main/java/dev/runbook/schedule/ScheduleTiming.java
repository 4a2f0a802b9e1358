package dev.runbook.schedule;

import dev.runbook.load.DidYouMean;
import dev.runbook.load.Mapping;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Text;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.quartz.CronExpression;

/** When a schedule fires: its {@code cron} (Quartz syntax) in its {@code time_zone}. */
final class ScheduleTiming {
    private ScheduleTiming() {}

    /** The schedule's {@code time_zone}, this machine's when absent. */
    static ZoneId zone(YamlReader y, Mapping m) {
        if (!m.has("time_zone")) {
            return ZoneId.systemDefault();
        }
        Text t = m.text("time_zone");
        try {
            if (t == null) {
                return ZoneId.systemDefault();
            }
            ZoneId zone = ZoneId.of(t.value());
            // Quartz computes in java.util.TimeZone, which reads 'UTC+01:00' as plain GMT: give it the offset itself
            return sameRules(zone) ? zone : zone.normalized();
        } catch (DateTimeException e) {
            String hint = DidYouMean.suggest(t.value(), ZoneId.getAvailableZoneIds());
            y.error(t.pos(), "unknown time zone '" + t.value() + "'", hint == null ? null : "did you mean '" + hint + "'?");
            return ZoneId.systemDefault();
        }
    }

    private static boolean sameRules(ZoneId zone) {
        return java.util.TimeZone.getTimeZone(zone).toZoneId().getRules().equals(zone.getRules());
    }

    /** The schedule's Quartz {@code cron}, checked to parse and to fire again; null when it does not. */
    static String cron(YamlReader y, Mapping m, ZoneId zone) {
        Text t = m.text("cron");
        if (t == null) {
            return null;
        }
        try {
            CronExpression c = new CronExpression(t.value());
            c.setTimeZone(java.util.TimeZone.getTimeZone(zone));
            if (c.getNextValidTimeAfter(new java.util.Date()) == null) {
                y.error(t.pos(), "cron '" + t.value() + "' never fires again");
                return null;
            }
            for (String note : clockChanges(FireTimes.of(t.value(), zone), Instant.now())) {
                y.warning(t.pos(), "cron '" + t.value() + "': " + note);
            }
            return t.value();
        } catch (ParseException e) {
            String hint = fiveFieldHint(t.value());
            y.error(t.posAt(Math.max(0, e.getErrorOffset())), "invalid Quartz cron '" + t.value() + "': " + e.getMessage(),
                    hint != null ? hint : bothDaysHint(t.value(), e.getMessage()));
            return null;
        }
    }

    /**
     * What the next year's clock changes do to a cron with fixed hours (one that runs every hour
     * just runs in the hours that exist): the next day a time it names is skipped, and the next day
     * one is repeated, each said once. Quartz alone would drop the first and fire the second late.
     */
    static List<String> clockChanges(FireTimes times, Instant from) {
        List<String> notes = new ArrayList<>();
        ZoneRules rules = times.zone().getRules();
        boolean gap = false;
        boolean overlap = false;
        Instant end = from.plus(Duration.ofDays(366));
        for (ZoneOffsetTransition t = rules.nextTransition(from); t != null && t.getInstant().isBefore(end) && !(gap && overlap);
             t = rules.nextTransition(t.getInstant())) {
            if (t.isGap() && !gap && times.skipsAFire(t) != null) {
                gap = true;
                LocalDateTime named = LocalDateTime.ofInstant(times.skipsAFire(t), t.getOffsetBefore());
                notes.add(hhmm(named) + " does not exist in " + times.zone().getId() + " on " + named.toLocalDate()
                        + " (the clocks go from " + hhmm(t.getDateTimeBefore()) + " to " + hhmm(t.getDateTimeAfter())
                        + "): that day it fires at " + hhmm(t.getDateTimeAfter()) + " " + abbreviation(times.zone(), t.getInstant())
                        + " instead, as cron does");
            } else if (t.isOverlap() && !overlap && !times.everyHour() && times.firesInRepeat(t) != null) {
                overlap = true;
                Instant first = times.firesInRepeat(t);
                LocalDateTime named = LocalDateTime.ofInstant(first, t.getOffsetBefore());
                notes.add(hhmm(named) + " happens twice in " + times.zone().getId() + " on " + named.toLocalDate()
                        + " (the clocks go back from " + hhmm(t.getDateTimeBefore()) + " to " + hhmm(t.getDateTimeAfter())
                        + "): it fires once, at the first (" + hhmm(named) + " " + abbreviation(times.zone(), first) + ")");
            }
        }
        return notes;
    }

    private static String hhmm(LocalDateTime t) {
        return String.format("%02d:%02d", t.getHour(), t.getMinute());
    }

    private static String abbreviation(ZoneId zone, Instant at) {
        return DateTimeFormatter.ofPattern("zzz", Locale.ROOT).format(at.atZone(zone));
    }

    /**
     * Quartz refuses a day-of-month and a day-of-week both given ('0 0 3 * * MON'): the one left
     * as '*' becomes '?'. Only a suggestion that parses is offered.
     */
    static String bothDaysHint(String cron, String quartzMessage) {
        String[] f = cron.trim().split("\\s+");
        if (quartzMessage == null || !quartzMessage.contains("day-of-week AND a day-of-month") || f.length < 6) {
            return null;
        }
        if (f[3].equals("*")) {
            f[3] = "?";
        } else if (f[5].equals("*")) {
            f[5] = "?";
        } else {
            return "write '?' in day-of-month or in day-of-week: Quartz takes one of them, not both";
        }
        String quartz = String.join(" ", f);
        return CronExpression.isValidExpression(quartz) ? "write '?' for the day you do not mean: '" + quartz + "'"
                : "write '?' in day-of-month or in day-of-week: Quartz takes one of them, not both";
    }

    /**
     * For a crontab(5) line, the Quartz expression to write instead: seconds first, and '?' in the
     * day field left as '*' (Quartz refuses '*' in both). Only a suggestion that parses is offered.
     */
    static String fiveFieldHint(String cron) {
        String[] f = cron.trim().split("\\s+");
        if (f.length != 5) {
            return null;
        }
        if (f[4].equals("*")) {
            f[4] = "?";
        } else if (f[2].equals("*")) {
            f[2] = "?";
        }
        String quartz = "0 " + String.join(" ", f);
        return CronExpression.isValidExpression(quartz) ? "Quartz cron has a seconds field first: '" + quartz + "'"
                : "Quartz cron has a seconds field first, and '?' in day-of-month or day-of-week";
    }
}
