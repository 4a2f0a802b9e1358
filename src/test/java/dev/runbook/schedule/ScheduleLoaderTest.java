package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runbook.load.RunbookLoader;
import dev.runbook.load.RunbookPaths;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedules as the loader reads them. Every file under {@code src/test/resources/schedule/invalid/}
 * states its diagnostics in {@code # expect: LINE:COL message} comments; the whole directory is
 * loaded at once (as {@code runbook schedule validate} does) and each file must get exactly its own.
 * The runbooks they name are in {@code src/test/resources/schedule/runbooks/}.
 */
class ScheduleLoaderTest {
    static final Path DIR = Path.of("src/test/resources/schedule");
    private static final Pattern EXPECT = Pattern.compile("^# expect: (\\d+):(\\d+) (.*)$");

    record Expected(int line, int col, String message) {
        boolean matches(Diagnostic d) {
            return d.isError() && d.pos().line() == line && d.pos().col() == col && d.toString().contains(message);
        }
    }

    static ScheduleLoader loaderFor(Path workDir) {
        return new ScheduleLoader(new RunbookLoader(new RunbookPaths(workDir.toAbsolutePath(), null)));
    }

    static List<Diagnostic> problems(Path workDir, Path schedules) {
        InvalidInputException e = catchThrowableOfType(() -> loaderFor(workDir).load(schedules), InvalidInputException.class);
        assertThat(e).as("loading %s should fail", schedules).isNotNull();
        return e.diagnostics();
    }

    @TestFactory
    Stream<DynamicTest> everyInvalidScheduleFileGivesExactlyItsExpectedDiagnostics() throws IOException {
        Path invalid = DIR.resolve("invalid");
        List<Diagnostic> all = problems(DIR, invalid);
        List<Path> files;
        try (Stream<Path> s = Files.list(invalid)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(15);
        Map<String, List<Diagnostic>> byFile = all.stream().collect(Collectors.groupingBy(d -> d.pos().file()));
        assertThat(byFile.keySet()).as("diagnostics outside the invalid files: %s", all)
                .allMatch(f -> files.stream().anyMatch(p -> RunbookLoader.label(p).equals(f)));
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            List<Expected> expected = expectations(f);
            List<Diagnostic> own = byFile.getOrDefault(RunbookLoader.label(f), List.of());
            assertThat(expected).as("%s states what it expects", f).isNotEmpty();
            for (Expected e : expected) {
                assertThat(own).as("%s should report %s", f, e).anyMatch(e::matches);
            }
            for (Diagnostic d : own) {
                assertThat(expected).as("%s reported a diagnostic it does not expect: %s", f, d).anyMatch(e -> e.matches(d));
            }
        }));
    }

    static List<Expected> expectations(Path file) throws IOException {
        List<Expected> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = EXPECT.matcher(line);
            if (m.matches()) {
                out.add(new Expected(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3)));
            }
        }
        return out;
    }

    @Test
    void aFiveFieldCronIsAnsweredWithTheQuartzExpressionToWriteInstead() {
        Diagnostic d = problems(DIR, DIR.resolve("invalid")).stream()
                .filter(x -> x.pos().file().endsWith("five-field-cron.yaml")).findFirst().orElseThrow();

        assertThat(d.hint()).isEqualTo("Quartz cron has a seconds field first: '0 */5 * * * ?'");
        // the suggestion itself must be a valid Quartz expression, or the hint sends the user round in circles
        assertThat(org.quartz.CronExpression.isValidExpression("0 */5 * * * ?")).isTrue();
    }

    @Test
    void aDuplicateIdNamesWhereTheFirstOneIs() {
        Diagnostic d = problems(DIR, DIR.resolve("invalid")).stream()
                .filter(x -> x.message().startsWith("duplicate schedule id")).findFirst().orElseThrow();

        assertThat(d.message()).endsWith("(first at " + RunbookLoader.label(DIR.resolve("invalid/duplicate-ids.yaml")) + ":3:5)");
    }

    @Test
    void aValidScheduleFileGivesEveryFieldAsWritten() {
        Map<String, Schedule> byId = byId(loaderFor(DIR).load(DIR.resolve("valid")));

        assertThat(byId).containsOnlyKeys("nightly-vacuum", "hourly-vacuum", "paused");
        Schedule s = byId.get("nightly-vacuum");
        assertThat(s.runbook()).isEqualTo(DIR.resolve("runbooks/db-maintenance.yaml").toAbsolutePath().normalize());
        assertThat(s.cron()).isEqualTo("0 0 3 * * ?");
        assertThat(s.timeZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(s.params()).containsExactlyInAnyOrderEntriesOf(Map.of("table", "orders", "level", "full", "batch", "500"));
        assertThat(s.targets()).isEqualTo("db-primary");
        assertThat(s.approve()).containsExactly("reindex");
        assertThat(s.misfire()).isEqualTo(Schedule.Misfire.RUN_ONCE);
        assertThat(s.overlap()).isEqualTo(Schedule.Overlap.WAIT);
        assertThat(s.deadline()).isEqualTo(Duration.ofHours(2));
        assertThat(s.enabled()).isTrue();
        assertThat(s.pos().line()).isEqualTo(2);
    }

    @Test
    void defaultsAreSkipOnMisfireSkipOnOverlapNoDeadlineAndEnabled() {
        Schedule s = byId(loaderFor(DIR).load(DIR.resolve("valid"))).get("hourly-vacuum");

        assertThat(s.misfire()).isEqualTo(Schedule.Misfire.SKIP);
        assertThat(s.overlap()).isEqualTo(Schedule.Overlap.SKIP);
        assertThat(s.deadline()).isNull();
        assertThat(s.targets()).isNull();
        assertThat(s.approve()).isEmpty();
        assertThat(s.params()).isEmpty();
        assertThat(s.enabled()).isTrue();
        assertThat(s.timeZone()).isEqualTo(ZoneId.of("UTC"));
    }

    @Test
    void aDisabledScheduleIsLoadedAndMarkedDisabled() {
        Schedule s = byId(loaderFor(DIR).load(DIR.resolve("valid"))).get("paused");

        assertThat(s.enabled()).isFalse();
        assertThat(s.timeZone()).isEqualTo(ZoneId.of("America/New_York"));
    }

    @Test
    void aScheduleWithoutATimeZoneUsesTheDaemonsZone(@TempDir Path home) throws IOException {
        copyRunbooks(home);
        Path schedules = Files.createDirectories(home.resolve("schedules"));
        Files.writeString(schedules.resolve("local.yaml"), "id: local\nrunbook: db-maintenance\ncron: \"0 0 3 * * ?\"\n");

        assertThat(loaderFor(home).load(schedules).get(0).timeZone()).isEqualTo(ZoneId.systemDefault());
    }

    @Test
    void anOffsetTimeZoneFiresAtThatOffset(@TempDir Path home) throws Exception {
        copyRunbooks(home);
        Path schedules = Files.createDirectories(home.resolve("schedules"));
        Files.writeString(schedules.resolve("offset.yaml"), "id: offset\nrunbook: db-maintenance\ncron: \"0 0 3 * * ?\"\ntime_zone: UTC+01:00\n");

        Schedule s = loaderFor(home).load(schedules).get(0);

        // as the daemon hands it to Quartz: 03:00 at UTC+1 is 02:00 UTC
        org.quartz.CronExpression cron = new org.quartz.CronExpression(s.cron());
        cron.setTimeZone(java.util.TimeZone.getTimeZone(s.timeZone()));
        java.util.Date next = cron.getNextValidTimeAfter(new java.util.Date());
        assertThat(next.toInstant().atZone(ZoneId.of("UTC")).getHour()).isEqualTo(2);
    }

    @Test
    void aRunbooksScheduleBlockSchedulesThatRunbookNamedAfterItUnlessItSaysOtherwise() {
        Path blocks = DIR.resolve("blocks");
        Map<String, Schedule> byId = byId(loaderFor(blocks).load(blocks.resolve("schedules")));

        assertThat(byId).containsOnlyKeys("cert-check", "rotate-morning", "rotate-evening");
        assertThat(byId.get("cert-check").runbook().getFileName()).hasToString("cert-check.yaml");
        assertThat(byId.get("cert-check").cron()).isEqualTo("0 0 6 * * ?");
        assertThat(byId.get("rotate-morning").runbook().getFileName()).hasToString("rotate-logs.yaml");
        assertThat(byId.get("rotate-evening").misfire()).isEqualTo(Schedule.Misfire.RUN_ONCE);
    }

    @Test
    void aScheduleBlockInARunbookIsCheckedLikeAScheduleFile(@TempDir Path home) throws IOException {
        Files.createDirectories(home.resolve("runbooks"));
        Files.writeString(home.resolve("runbooks/backup.yaml"), """
                name: backup
                steps:
                  - id: dump
                    run: echo dump
                schedule:
                  cron: "0 0 2 * * ?"
                  runbook: other
                  time_zone: Mars/Olympus
                """);

        List<Diagnostic> ds = problems(home, home.resolve("schedules"));

        assertThat(ds).extracting(Diagnostic::toString).anySatisfy(d -> assertThat(d)
                .contains("runbooks/backup.yaml:7:3: error: unknown key 'runbook'"));
        assertThat(ds).extracting(Diagnostic::toString).anySatisfy(d -> assertThat(d)
                .contains("runbooks/backup.yaml:8:14: error: unknown time zone 'Mars/Olympus'"));
    }

    @Test
    void theSameIdInAScheduleFileAndARunbookBlockIsADuplicateNamingBoth(@TempDir Path home) throws IOException {
        Files.createDirectories(home.resolve("runbooks"));
        Files.writeString(home.resolve("runbooks/backup.yaml"), """
                name: backup
                steps:
                  - id: dump
                    run: echo dump
                schedule:
                  cron: "0 0 2 * * ?"
                """);
        Path schedules = Files.createDirectories(home.resolve("schedules"));
        Files.writeString(schedules.resolve("backup.yaml"), "id: backup\nrunbook: backup\ncron: \"0 0 4 * * ?\"\n");

        List<Diagnostic> ds = problems(home, schedules);

        assertThat(ds).hasSize(1);
        assertThat(ds.get(0).message()).startsWith("duplicate schedule id 'backup' (first at ").contains("backup.yaml:1:1");
    }

    @Test
    void aFileHoldingBothASchedulesListAndAScheduleIsRefused(@TempDir Path home) throws IOException {
        copyRunbooks(home);
        Path schedules = Files.createDirectories(home.resolve("schedules"));
        Files.writeString(schedules.resolve("mixed.yaml"), """
                id: stray
                schedules:
                  - id: listed
                    runbook: db-maintenance
                    cron: "0 0 3 * * ?"
                """);

        assertThat(problems(home, schedules)).extracting(Diagnostic::message)
                .anySatisfy(m -> assertThat(m).contains("either one schedule or 'schedules:' with a list, not both"));
    }

    @Test
    void aScheduleWithoutApproveOnARunbookWithGatesIsWarnedAtTheScheduleAndStillLoads() {
        ScheduleLoader loader = loaderFor(DIR);

        List<Schedule> schedules = loader.load(DIR.resolve("valid"));

        assertThat(schedules).hasSize(3);
        assertThat(loader.warnings()).extracting(Diagnostic::toString).containsExactly(
                RunbookLoader.label(DIR.resolve("valid/nightly.yaml")) + ":11:1: warning: schedule 'nightly-vacuum' does not approve"
                        + " the gate 'announce' of runbook 'db-maintenance': a fire that reaches it is denied there",
                RunbookLoader.label(DIR.resolve("valid/several.yaml")) + ":2:5: warning: schedule 'hourly-vacuum' does not approve"
                        + " the gates 'announce', 'reindex' of runbook 'db-maintenance': a fire that reaches one is denied there",
                RunbookLoader.label(DIR.resolve("valid/several.yaml")) + ":6:5: warning: schedule 'paused' does not approve"
                        + " the gates 'announce', 'reindex' of runbook 'db-maintenance': a fire that reaches one is denied there");
    }

    @Test
    void targetsThatSelectNoHostOfTheDaemonsInventoryAreAnErrorAtThePattern(@TempDir Path home) throws IOException {
        copyRunbooks(home);
        Path inventory = home.resolve("inventory.yaml");
        Files.writeString(inventory, "all:\n  children:\n    nucleus:\n      hosts:\n        app1: {ansible_connection: local}\n");
        Path schedules = Files.createDirectories(home.resolve("schedules"));
        Files.writeString(schedules.resolve("s.yaml"), """
                schedules:
                  - {id: typo, runbook: db-maintenance, cron: "0 0 3 * * ?", targets: nucleuss}
                  - {id: right, runbook: db-maintenance, cron: "0 0 3 * * ?", targets: "nucleus:&app1"}
                  - {id: own, runbook: dbs-only, cron: "0 0 3 * * ?"}
                """);
        Files.writeString(home.resolve("runbooks/dbs-only.yaml"), "name: dbs-only\ntargets: dbs\nsteps:\n  - {id: a, run: echo}\n");

        InvalidInputException e = catchThrowableOfType(() -> new ScheduleLoader(new RunbookLoader(new RunbookPaths(home, null)),
                dev.runbook.inventory.Inventory.load(inventory)).load(schedules), InvalidInputException.class);

        assertThat(e).isNotNull();
        assertThat(e.diagnostics()).extracting(Diagnostic::toString).containsExactly(RunbookLoader.label(schedules.resolve("s.yaml"))
                + ":2:71: error: targets 'nucleuss': host pattern 'nucleuss' matches no host in " + inventory + ": 'nucleuss' is neither"
                + " a group nor a host there (did you mean 'nucleus'?)", RunbookLoader.label(schedules.resolve("s.yaml"))
                + ":4:5: error: the targets 'dbs' of runbook 'dbs-only': host pattern 'dbs' matches no host in " + inventory + ":"
                + " 'dbs' is neither a group nor a host there");
        assertThat(loaderFor(home).load(schedules)).as("without an inventory to check against, not checked").hasSize(3);
    }

    @Test
    void noSchedulesDirectoryAndNoBlocksIsNoSchedulesAndNoError(@TempDir Path home) throws IOException {
        copyRunbooks(home);

        assertThat(loaderFor(home).load(home.resolve("schedules"))).isEmpty();
    }

    private static void copyRunbooks(Path home) throws IOException {
        Path to = Files.createDirectories(home.resolve("runbooks"));
        Files.copy(DIR.resolve("runbooks/db-maintenance.yaml"), to.resolve("db-maintenance.yaml"));
    }

    private static Map<String, Schedule> byId(List<Schedule> schedules) {
        return schedules.stream().collect(Collectors.toMap(Schedule::id, Function.identity()));
    }
}
