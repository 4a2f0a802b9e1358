package dev.runbook.schedule;

import dev.runbook.load.DidYouMean;
import dev.runbook.load.Mapping;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Text;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.ZoneId;
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
            return t.value();
        } catch (ParseException e) {
            y.error(t.posAt(Math.max(0, e.getErrorOffset())), "invalid Quartz cron '" + t.value() + "': " + e.getMessage(),
                    fiveFieldHint(t.value()));
            return null;
        }
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
