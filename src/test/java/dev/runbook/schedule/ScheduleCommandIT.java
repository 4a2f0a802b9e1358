package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quartz.CronExpression;

/**
 * {@code runbook schedule validate}, {@code schedule list} and a daemon refusing bad schedules, as
 * a user meets them: the invalid schedules of {@code src/test/resources/schedule/invalid/} copied
 * into {@code schedules/} of a working directory, with their own {@code # expect:} diagnostics.
 */
class ScheduleCommandIT {
    @TempDir
    Path home;

    Cli cli;

    @BeforeEach
    void setUp() throws IOException {
        cli = Cli.in(home);
        copy(ScheduleLoaderTest.DIR.resolve("runbooks"), home.resolve("runbooks"));
    }

    @Test
    void validateReportsEveryProblemOfEveryFileAsFileLineColAndExitsTwo() throws IOException {
        copy(ScheduleLoaderTest.DIR.resolve("invalid"), home.resolve("schedules"));

        Cli.Result r = cli.run("schedule", "validate");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertEveryExpectedDiagnosticIn(r);
    }

    @Test
    void theDaemonRefusesInvalidSchedulesWithTheSameDiagnosticsAndStartsNothing() throws IOException {
        copy(ScheduleLoaderTest.DIR.resolve("invalid"), home.resolve("schedules"));

        Cli.Result r = cli.withTimeout(Duration.ofSeconds(60)).run("daemon", "--listen", "127.0.0.1:0", "--node", "n1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertEveryExpectedDiagnosticIn(r);
        assertThat(r.stdout()).doesNotContain("started");
        assertThat(cli.auditFile()).doesNotExist();
    }

    @Test
    void oneBadScheduleAmongGoodOnesKeepsTheDaemonFromStarting() throws IOException {
        copy(ScheduleLoaderTest.DIR.resolve("valid"), home.resolve("schedules"));
        Files.copy(ScheduleLoaderTest.DIR.resolve("invalid/five-field-cron.yaml"), home.resolve("schedules/five-field-cron.yaml"));

        Cli.Result r = cli.withTimeout(Duration.ofSeconds(60)).run("daemon", "--listen", "127.0.0.1:0");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("schedules/five-field-cron.yaml:6:19: error: invalid Quartz cron '*/5 * * * *'")
                .contains("Quartz cron has a seconds field first: '0 */5 * * * ?'");
        assertThat(r.stdout()).doesNotContain("started");
    }

    @Test
    void validateAcceptsValidSchedulesAndSaysHowMany() throws IOException {
        copy(ScheduleLoaderTest.DIR.resolve("valid"), home.resolve("schedules"));

        Cli.Result r = cli.run("schedule", "validate");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).contains("3 schedules valid");
    }

    @Test
    void validateWarnsAtApproveOfTheGatesAScheduleDoesNotApproveIncludingThoseOfCalledRunbooks() throws IOException {
        Daemons.write(home, "runbooks/wipe.yaml", """
                name: wipe
                steps:
                  - id: g2
                    confirm: {prompt: "Wipe?", word: "{{ host.name }}"}
                    run: echo wiping
                """);
        Daemons.write(home, "runbooks/nightly-wipe.yaml", """
                name: nightly-wipe
                steps:
                  - id: g1
                    confirm: "Proceed?"
                  - id: g3
                    confirm: "Really?"
                  - id: call
                    runbook: wipe
                """);
        Daemons.write(home, "schedules/nightly-wipe.yaml", """
                id: nightly-wipe
                runbook: nightly-wipe
                cron: "0 0 3 * * ?"
                approve: [g1]
                """);
        Daemons.write(home, "schedules/all-approved.yaml", """
                id: all-approved
                runbook: nightly-wipe
                cron: "0 0 4 * * ?"
                approve: [g1, g2, g3]
                """);

        Cli.Result r = cli.run("schedule", "validate");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr().lines()).containsExactly("schedules/nightly-wipe.yaml:4:1: warning: schedule 'nightly-wipe' does not approve"
                + " the gates 'g2' (in a called runbook), 'g3' of runbook 'nightly-wipe': a fire that reaches one is denied there");
        assertThat(r.stdout().lines()).containsExactly("✓ 2 schedules valid, 1 warning");
    }

    @Test
    void runbookValidateChecksARunbooksOwnScheduleBlockAsTheDaemonWillReadIt() throws IOException {
        Daemons.write(home, "runbooks/as-text.yaml", """
                name: as-text
                schedule: "every day"
                steps: [{id: x, run: "true"}]
                """);
        Daemons.write(home, "runbooks/bad-fields.yaml", """
                name: bad-fields
                schedule: {cron: "not a cron", time_zone: Mars/Olympus, misfire: maybe}
                steps: [{id: x, run: "true"}]
                """);

        Cli.Result r = cli.run("validate");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("runbooks/as-text.yaml:2:11: error: 'schedule' must be a mapping")
                .contains("runbooks/bad-fields.yaml:2:19: error: invalid Quartz cron 'not a cron'")
                .contains("runbooks/bad-fields.yaml:2:43: error: unknown time zone 'Mars/Olympus'")
                .contains("runbooks/bad-fields.yaml:2:57: error: 'misfire' must be one of skip, run-once, not 'maybe'");
        assertThat(r.stdout()).as("broken.yaml of the fixtures and these two").contains("3 of 6 runbooks valid");
    }

    @Test
    void listShowsEachScheduleWithItsNextFireTimesInItsOwnZone() throws IOException {
        Daemons.write(home, "schedules/india.yaml", """
                id: india-night
                runbook: db-maintenance
                cron: "0 30 2 * * ?"
                time_zone: Asia/Kolkata
                """);
        Daemons.write(home, "schedules/ny.yaml", """
                id: ny-weekdays
                runbook: db-maintenance
                cron: "0 0 12 ? * MON-FRI"
                time_zone: America/New_York
                approve: [reindex]
                """);
        Daemons.write(home, "schedules/off.yaml", """
                id: switched-off
                runbook: db-maintenance
                cron: "0 0 4 * * ?"
                enabled: false
                """);

        Daemons.write(home, "schedules/offset.yaml", """
                id: offset-night
                runbook: db-maintenance
                cron: "0 0 3 * * ?"
                time_zone: UTC+05:30
                """);

        Cli.Result r = cli.run("schedule", "list", "--next", "4");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> lines = r.output().lines().toList();
        int india = indexOf(lines, "india-night");
        int ny = indexOf(lines, "ny-weekdays");
        assertThat(lines.get(india)).contains("runbooks/db-maintenance.yaml").contains("0 30 2 * * ?").contains("Asia/Kolkata");
        assertThat(lines.get(ny)).contains("America/New_York").contains("approves reindex");
        int off = indexOf(lines, "switched-off");
        assertThat(lines.get(off)).contains("DISABLED");
        assertThat(lines.get(off + 1)).as("a disabled schedule never fires").isEqualTo("    next: none (disabled)");
        assertThat(lines.get(off + 2)).as("and no fire time after that").doesNotStartWith("    next:");
        assertThat(lines.subList(india + 1, india + 5)).containsExactlyElementsOf(
                expectedNext("0 30 2 * * ?", "Asia/Kolkata", 4));
        assertThat(lines.subList(ny + 1, ny + 5)).containsExactlyElementsOf(
                expectedNext("0 0 12 ? * MON-FRI", "America/New_York", 4));
        assertThat(lines.get(india + 1)).endsWith(" 02:30:00 IST");
        int offset = indexOf(lines, "offset-night");
        assertThat(lines.subList(offset + 1, offset + 5)).allSatisfy(l -> assertThat(l).endsWith(" 03:00:00 +05:30"));
    }

    @Test
    void listRefusesNextBelowOne() throws IOException {
        nightly();

        for (String next : List.of("0", "-1")) {
            Cli.Result r = cli.run("schedule", "list", "--next", next);

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.stdout()).as("no schedules listed").isEmpty();
            assertThat(r.stderr().lines()).containsExactly("runbook: error: --next " + next + ": give a number of fire times, 1 or more");
        }
        Cli.Result one = cli.run("schedule", "list", "--next", "1");
        assertThat(one.exitCode()).as(one.toString()).isZero();
        assertThat(one.stdout().lines()).as("the schedule and one fire time").hasSize(2);
    }

    @Test
    void targetsThatSelectNoHostOfTheInventoryKeepTheDaemonFromStartingAndFailValidateWithIt() throws IOException {
        Daemons.write(home, "inv.yaml", "all:\n  children:\n    nucleus:\n      hosts:\n        localhost: {ansible_connection: local}\n");
        Daemons.write(home, "schedules/nightly.yaml", "id: nightly\nrunbook: db-maintenance\ncron: \"0 0 3 * * ?\"\ntargets: nucleos\n");
        String expected = "schedules/nightly.yaml:4:10: error: targets 'nucleos': host pattern 'nucleos' matches no host in inv.yaml:"
                + " 'nucleos' is neither a group nor a host there (did you mean 'nucleus'?)";

        Cli.Result daemon = cli.withTimeout(Duration.ofSeconds(60)).run("daemon", "-i", "inv.yaml", "--listen", "127.0.0.1:0");
        Cli.Result validate = cli.run("schedule", "validate", "-i", "inv.yaml");
        Cli.Result unchecked = cli.run("schedule", "validate");

        assertThat(daemon.exitCode()).as(daemon.toString()).isEqualTo(2);
        assertThat(daemon.stderr()).contains(expected);
        assertThat(daemon.stdout()).doesNotContain("started");
        assertThat(validate.exitCode()).as(validate.toString()).isEqualTo(2);
        assertThat(validate.stderr()).contains(expected);
        assertThat(unchecked.exitCode()).as("no inventory here to check against: %s", unchecked).isZero();
    }

    @Test
    void theDaemonRefusesFewerThanOneThreadBeforeItStarts() throws IOException {
        nightly();

        for (String threads : List.of("0", "-2")) {
            Cli.Result r = cli.run("daemon", "--threads", threads, "--listen", "127.0.0.1:0");

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.stdout()).as("the daemon never started").isEmpty();
            assertThat(r.stderr().lines())
                    .containsExactly("runbook: error: --threads " + threads + ": give how many runs may go at once, 1 or more");
        }
    }

    @Test
    void theDaemonRefusesABadJdbcSchemaOrOneWithoutJdbcUrlBeforeItStarts() throws IOException {
        nightly();

        Cli.Result alone = cli.run("daemon", "--jdbc-schema", "sched", "--listen", "127.0.0.1:0");
        Cli.Result bad = cli.run("daemon", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x", "--jdbc-schema", "Bad-Name",
                "--listen", "127.0.0.1:0");

        assertThat(alone.exitCode()).as(alone.toString()).isEqualTo(2);
        assertThat(alone.stderr().lines()).containsExactly(
                "runbook: error: --jdbc-schema needs --jdbc-url (the audit store's own schema is used without it)");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.stderr().lines()).containsExactly("runbook: error: --jdbc-schema 'Bad-Name' must be a lower-case SQL identifier");
        assertThat(alone.stdout() + bad.stdout()).as("the daemon never started").isEmpty();
    }

    @Test
    void aDirThatIsMissingOrNotADirectoryIsRefusedByListValidateAndTheDaemonBeforeAnythingStarts() throws IOException {
        nightly();
        Files.writeString(home.resolve("hosts"), "127.0.0.1 localhost\n");

        for (String[] bad : List.of(new String[] {"schedulez", "no such directory"}, new String[] {"hosts", "not a directory"})) {
            for (List<String> command : List.of(List.of("schedule", "list"), List.of("schedule", "validate"),
                    List.of("daemon", "--listen", "127.0.0.1:0"))) {
                List<String> args = new ArrayList<>(command);
                args.addAll(List.of("--dir", bad[0]));
                Cli.Result r = cli.run(args.toArray(String[]::new));

                assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
                assertThat(r.stdout()).as("%s: nothing listed, nothing started", args).isEmpty();
                assertThat(r.stderr().lines()).as("%s", args).containsExactly("runbook: error: --dir " + bad[0] + ": " + bad[1]);
            }
        }
        assertThat(cli.auditFile()).doesNotExist();
    }

    @Test
    void withNoSchedulesAnywhereListAndValidateSayWhereTheyLookedAndTheDaemonRefusesToStart() throws IOException {
        String looked = "no directory " + home.toRealPath() + "/schedules/, and no schedule: block in the runbooks on the search path (runbooks)";

        Cli.Result list = cli.run("schedule", "list");
        Cli.Result validate = cli.run("schedule", "validate");
        Cli.Result daemon = cli.run("daemon", "--listen", "127.0.0.1:0");

        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout().lines()).containsExactly("no schedules: " + looked);
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.stdout().lines()).containsExactly("✓ 0 schedules valid (" + looked + ")");
        // a daemon that fires nothing would look healthy forever
        assertThat(daemon.exitCode()).as(daemon.toString()).isEqualTo(2);
        assertThat(daemon.stdout()).isEmpty();
        assertThat(daemon.stderr().lines()).containsExactly("runbook: error: no schedules to run: " + looked);
        assertThat(cli.auditFile()).doesNotExist();
    }

    private void nightly() throws IOException {
        Daemons.write(home, "schedules/nightly.yaml", """
                id: nightly
                runbook: db-maintenance
                cron: "0 0 3 * * ?"
                """);
    }

    private static void assertEveryExpectedDiagnosticIn(Cli.Result r) throws IOException {
        int checked = 0;
        try (Stream<Path> files = Files.list(ScheduleLoaderTest.DIR.resolve("invalid"))) {
            for (Path f : files.sorted().toList()) {
                for (ScheduleLoaderTest.Expected e : ScheduleLoaderTest.expectations(f)) {
                    checked++;
                    assertThat(r.stderr()).as("for %s", f.getFileName()).containsPattern(
                            java.util.regex.Pattern.quote("schedules/" + f.getFileName() + ":" + e.line() + ":" + e.col()
                                    + ": error: ") + ".*" + java.util.regex.Pattern.quote(e.message()));
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(15);
        assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** The next fire times as the user should read them: the schedule's wall clock and zone. */
    private static List<String> expectedNext(String cron, String zone, int n) {
        try {
            CronExpression c = new CronExpression(cron);
            c.setTimeZone(TimeZone.getTimeZone(ZoneId.of(zone)));
            DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");
            List<String> out = new ArrayList<>();
            Date t = new Date();
            for (int i = 0; i < n; i++) {
                t = c.getNextValidTimeAfter(t);
                out.add("    next: " + f.format(t.toInstant().atZone(ZoneId.of(zone))));
            }
            return out;
        } catch (ParseException e) {
            throw new AssertionError(e);
        }
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix + " ")) {
                return i;
            }
        }
        throw new AssertionError("no line for " + prefix + " in\n" + String.join("\n", lines));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
