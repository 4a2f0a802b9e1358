package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.quartz.CronExpression;
import org.quartz.CronTrigger;
import org.quartz.TriggerBuilder;
import org.quartz.spi.OperableTrigger;

/**
 * Fire times where the clocks change, as cron(8) keeps them: a time with fixed hours that a
 * spring-forward skips fires once just after the gap; one a fall-back repeats fires once, at its
 * first occurrence; a cron running every hour fires in the hours that exist. Elsewhere, exactly
 * Quartz's own times.
 */
class FireTimesTest {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("MM-dd HH:mm z");

    @Test
    void aDailyTimeTheClocksSkipFiresOnceAtTheEndOfTheGapThatDay() throws ParseException {
        assertThat(fires("0 30 2 * * ?", "Europe/Berlin", "2027-03-26T00:00:00Z", 4))
                .containsExactly("03-26 02:30 CET", "03-27 02:30 CET", "03-28 03:00 CEST", "03-29 02:30 CEST");
    }

    @Test
    void anHourlyCronFiresInBothOccurrencesOfTheRepeatedHourAndNotInTheSkippedOne() throws ParseException {
        assertThat(fires("0 30 * 7 11 ?", "America/New_York", "2027-11-07T04:00:00Z", 4))
                .containsExactly("11-07 00:30 EDT", "11-07 01:30 EDT", "11-07 01:30 EST", "11-07 02:30 EST");
        assertThat(fires("0 30 * 28 3 ?", "Europe/Berlin", "2027-03-28T00:00:00Z", 3))
                .as("no 02:30 that day, and no extra fire for it").containsExactly("03-28 01:30 CET", "03-28 03:30 CEST", "03-28 04:30 CEST");
    }

    @Test
    void aDailyTimeTheClocksRepeatFiresOnceAtItsFirstOccurrence() throws ParseException {
        assertThat(fires("0 30 1 * * ?", "America/New_York", "2027-11-06T03:00:00Z", 3))
                .containsExactly("11-06 01:30 EDT", "11-07 01:30 EDT", "11-08 01:30 EST");
        assertThat(fires("0 0/20 1 * * ?", "America/New_York", "2027-11-07T04:00:00Z", 4))
                .containsExactly("11-07 01:00 EDT", "11-07 01:20 EDT", "11-07 01:40 EDT", "11-08 01:00 EST");
    }

    @Test
    void aTimeAtTheEndOfTheGapFiresOnceNotTwice() throws ParseException {
        assertThat(fires("0 0 3 * * ?", "Europe/Berlin", "2027-03-27T12:00:00Z", 2)).containsExactly("03-28 03:00 CEST", "03-29 03:00 CEST");
    }

    @Test
    void awayFromClockChangesTheTimesAreQuartzsOwn() throws ParseException {
        for (String[] c : new String[][] {{"0 0/7 * * * ?", "Europe/Berlin"}, {"0 15 10 ? * MON-FRI", "America/New_York"},
                {"0 0 12 L * ?", "Asia/Kolkata"}, {"* * * * * ?", "UTC"}, {"0 0 3 * * ?", "+05:30"}}) {
            FireTimes times = FireTimes.of(c[0], ZoneId.of(c[1]));
            CronExpression quartz = new CronExpression(c[0]);
            quartz.setTimeZone(TimeZone.getTimeZone(ZoneId.of(c[1])));
            Instant t = Instant.parse("2027-06-01T00:00:00Z");
            for (int i = 0; i < 50; i++) {
                Instant next = times.next(t);
                assertThat(next).as("%s in %s after %s", c[0], c[1], t).isEqualTo(quartz.getNextValidTimeAfter(Date.from(t)).toInstant());
                t = next;
            }
        }
    }

    @Test
    void theLastFireBeforeAMomentIsFoundBackwards() throws ParseException {
        FireTimes every5 = FireTimes.of("0/5 * * * * ?", ZoneId.of("UTC"));
        Instant at = Instant.parse("2027-01-01T10:00:13.400Z");
        assertThat(every5.lastBefore(at, Instant.parse("2027-01-01T09:00:00Z"))).isEqualTo(Instant.parse("2027-01-01T10:00:10Z"));
        assertThat(every5.lastBefore(at, Instant.parse("2027-01-01T10:00:11Z"))).as("none since then").isNull();

        FireTimes daily = FireTimes.of("0 0 3 * * ?", ZoneId.of("Europe/Berlin"));
        assertThat(daily.lastBefore(Instant.parse("2027-01-05T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z")))
                .isEqualTo(Instant.parse("2027-01-04T02:00:00Z"));
    }

    @Test
    void validationSaysWhatTheNextClockChangesDoToACronWithFixedHours() throws ParseException {
        Instant from = Instant.parse("2027-01-01T00:00:00Z");
        assertThat(ScheduleTiming.clockChanges(FireTimes.of("0 30 2 * * ?", ZoneId.of("Europe/Berlin")), from)).containsExactly(
                "02:30 does not exist in Europe/Berlin on 2027-03-28 (the clocks go from 02:00 to 03:00): that day it fires at 03:00 CEST"
                        + " instead, as cron does",
                "02:30 happens twice in Europe/Berlin on 2027-10-31 (the clocks go back from 03:00 to 02:00): it fires once, at the first"
                        + " (02:30 CEST)");
        assertThat(ScheduleTiming.clockChanges(FireTimes.of("0 0 3 * * ?", ZoneId.of("Europe/Berlin")), from)).as("03:00 always exists once")
                .isEmpty();
        assertThat(ScheduleTiming.clockChanges(FireTimes.of("0 30 * * * ?", ZoneId.of("America/New_York")), from))
                .as("an hourly cron just runs in the hours there are").isEmpty();
        assertThat(ScheduleTiming.clockChanges(FireTimes.of("0 30 2 * * ?", ZoneId.of("UTC")), from)).isEmpty();
    }

    @Test
    void aCronWithBothDaysIsAnsweredWithTheQuestionMarkWhereTheStarIs() {
        String quartz = "Support for specifying both a day-of-week AND a day-of-month parameter is not implemented.";
        assertThat(ScheduleTiming.bothDaysHint("0 0 3 * * MON", quartz)).isEqualTo("write '?' for the day you do not mean: '0 0 3 ? * MON'");
        assertThat(ScheduleTiming.bothDaysHint("0 0 3 1 * *", quartz)).isEqualTo("write '?' for the day you do not mean: '0 0 3 1 * ?'");
        assertThat(ScheduleTiming.bothDaysHint("0 0 3 1 * MON", quartz)).startsWith("write '?' in day-of-month or in day-of-week");
        assertThat(ScheduleTiming.bothDaysHint("0 0 25 * * ?", "Hour values must be between 0 and 23")).isNull();
    }

    @Test
    void theTriggerQuartzFiresByKeepsTheseRulesAndItsClassWhenCopied() {
        OperableTrigger t = (OperableTrigger) TriggerBuilder.newTrigger()
                .withSchedule(new WallClockCronTrigger.Schedule("0 30 2 * * ?", TimeZone.getTimeZone("Europe/Berlin"),
                        CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING))
                .startAt(Date.from(Instant.parse("2027-03-27T12:00:00Z"))).build();

        assertThat(t.computeFirstFireTime(null)).isEqualTo(Date.from(Instant.parse("2027-03-28T01:00:00Z")));
        t.triggered(null);
        assertThat(t.getNextFireTime()).isEqualTo(Date.from(Instant.parse("2027-03-29T00:30:00Z")));
        assertThat(t.clone()).as("the in-memory store keeps copies").isInstanceOf(WallClockCronTrigger.class);
        assertThat(t.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING);
    }

    /** The next {@code n} fires after {@code after}, as local times with their zone's abbreviation. */
    private static List<String> fires(String cron, String zone, String after, int n) throws ParseException {
        FireTimes times = FireTimes.of(cron, ZoneId.of(zone));
        List<String> out = new ArrayList<>();
        Instant t = Instant.parse(after);
        for (int i = 0; i < n; i++) {
            t = times.next(t);
            out.add(LOCAL.format(ZonedDateTime.ofInstant(t, ZoneId.of(zone))));
        }
        return out;
    }
}
