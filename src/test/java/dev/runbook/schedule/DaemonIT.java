package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.schedule.Daemons.Fire;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runbook daemon} with Quartz's in-memory store, in a JVM of its own: fires are normal runs,
 * audited as the schedule on its node; gates pass only when the schedule pre-approves them;
 * SIGTERM stops new fires, lets running runs finish within the grace period and interrupts the
 * rest through the normal path; {@code /health} and {@code /metrics} answer meanwhile.
 */
class DaemonIT {
    @TempDir
    Path home;

    Cli cli;
    Path sleeper;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home).withTimeout(Duration.ofSeconds(60));
        sleeper = Processes.sleeper(home);
    }

    @AfterEach
    void killLeftovers() {
        Processes.killAll(sleeper.toString());
    }

    @Test
    void aScheduleFiringEverySecondRunsEachFireAsAnAuditedRunOfTheScheduleOnItsNode() {
        Daemons.write(home, "runbooks/tick.yaml", Daemons.pulseRunbook("tick"));
        Daemons.write(home, "schedules/every-second.yaml", "id: every-second\nrunbook: tick\ncron: \"* * * * * ?\"\n");

        List<Fire> fires;
        try (Daemons.Running d = Daemons.start(cli, "--node", "n1")) {
            d.awaitFires(4, f -> true, Duration.ofSeconds(30));

            HttpResponse<String> health = d.get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            JsonNode h = AuditLog.parse(health.body());
            assertThat(h.path("status").asText()).isEqualTo("ok");
            assertThat(h.path("node").asText()).isEqualTo("n1");
            assertThat(h.path("store").asText()).isEqualTo("memory");
            assertThat(h.path("schedules").asInt()).isEqualTo(1);

            Processes.eventually(Duration.ofSeconds(10), () -> d.get("/metrics").body().contains("runbook_last_success_timestamp_seconds{"));
            String metrics = d.get("/metrics").body();
            assertThat(metrics).contains("runbook_scheduled_runs_total{outcome=\"succeeded\",schedule=\"every-second\"}")
                    .contains("runbook_scheduled_run_duration_seconds_count{schedule=\"every-second\"}")
                    .contains("runbook_last_success_timestamp_seconds{schedule=\"every-second\"}")
                    .contains("runbook_fire_delay_seconds_count{schedule=\"every-second\"}")
                    .contains("runbook_fire_delay_seconds_bucket{schedule=\"every-second\",le=\"1.0\"}");
            assertThat(d.get("/metrics").headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");

            Cli.Result stopped = d.stop(Duration.ofSeconds(60));
            assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
            fires = d.fires();
        }

        assertThat(fires).hasSizeGreaterThanOrEqualTo(4).allSatisfy(f -> {
            assertThat(f.schedule()).isEqualTo("every-second");
            assertThat(f.user()).isEqualTo("schedule@n1");
            assertThat(f.via()).isEqualTo("schedule");
            assertThat(f.scheduledAt().getNano()).as("a Quartz fire time on the second").isZero();
        });
        assertThat(fires.stream().map(Fire::scheduledAt).distinct()).as("no fire twice").hasSameSizeAs(fires);
        List<JsonNode> finished = AuditLog.ofType(cli.auditFile(), "run.finished");
        assertThat(finished).as("every fire ran to its end").hasSameSizeAs(fires)
                .allSatisfy(e -> assertThat(e.path("data").path("status").asText()).isEqualTo("succeeded"));

        Cli.Result history = cli.run("history", "--runbook", "tick");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        for (Fire f : fires) {
            assertThat(history.output()).containsPattern(f.runId() + " +tick +succeeded .* schedule@n1 \\(schedule:every-second\\)");
        }
        Cli.Result verify = cli.run("audit", "verify");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
    }

    @Test
    void aFireWhileThePreviousRunStillHoldsTheLockIsSkippedAndAudited() {
        Daemons.write(home, "runbooks/slow.yaml", "steps:\n  - id: hold\n    run: sleep 2.5\n");
        Daemons.write(home, "schedules/slow.yaml", "id: slow\nrunbook: slow\ncron: \"* * * * * ?\"\noverlap: skip\n");

        String metrics;
        try (Daemons.Running d = Daemons.start(cli, "--node", "n1")) {
            Processes.eventually(Duration.ofSeconds(30), () -> java.nio.file.Files.exists(cli.auditFile())
                    && AuditLog.ofType(cli.auditFile(), "schedule.skipped").size() >= 2);
            metrics = d.get("/metrics").body();
            assertThat(d.stop(Duration.ofSeconds(60)).exitCode()).isZero();
        }

        List<JsonNode> skipped = AuditLog.ofType(cli.auditFile(), "schedule.skipped");
        assertThat(skipped).hasSizeGreaterThanOrEqualTo(2).allSatisfy(e -> {
            assertThat(e.path("data").path("schedule").asText()).isEqualTo("slow");
            assertThat(e.path("data").path("reason").asText()).startsWith("overlap: runbook 'slow' on localhost is already running");
            assertThat(e.path("actor").path("user").asText()).isEqualTo("schedule@n1");
        });
        assertThat(metrics).contains("runbook_scheduled_runs_total{outcome=\"skipped_overlap\",schedule=\"slow\"}");
        assertThat(cli.run("audit", "verify").exitCode()).isZero();
    }

    @Test
    void schedulesFiringAtTheSameMomentOnOneDaemonAreEachRunAndAudited() {
        for (String p : List.of("alpha", "beta", "gamma")) {
            Daemons.write(home, "runbooks/pulse-" + p + ".yaml", Daemons.pulseRunbook("pulse-" + p));
            Daemons.write(home, "schedules/" + p + ".yaml", "id: " + p + "\nrunbook: pulse-" + p + "\ncron: \"* * * * * ?\"\noverlap: wait\n");
        }

        Cli.Result stopped;
        try (Daemons.Running d = Daemons.start(cli, "--node", "n1")) {
            d.awaitFires(24, f -> true, Duration.ofSeconds(30));
            stopped = d.stop(Duration.ofSeconds(60));
        }

        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.stdout()).doesNotContain("could not start");
        Daemons.Account account = Daemons.account(Daemons.fires(cli.auditFile()));
        assertThat(account.fires()).containsOnlyKeys("alpha", "beta", "gamma");
        assertThat(account.missing()).as("seconds a schedule did not run").isEmpty();
        assertThat(account.duplicates()).isEmpty();
    }

    @Test
    void aGateTheSchedulePreApprovesPassesAndAnyOtherStopsTheRunAsDeniedByTheSchedule() {
        Daemons.write(home, "runbooks/guarded.yaml", """
                name: guarded
                steps:
                  - id: drain
                    confirm: "Drain the node?"
                    run: echo draining
                  - id: restart
                    confirm: "Restart the service?"
                    run: echo restarting
                  - id: after
                    run: echo never
                finally:
                  - id: undrain
                    run: echo undraining
                """);
        Daemons.write(home, "schedules/guarded.yaml", """
                id: guarded-nightly
                runbook: guarded
                cron: "* * * * * ?"
                approve: [drain]
                """);

        try (Daemons.Running d = Daemons.start(cli, "--node", "n1")) {
            assertThat(Processes.eventually(Duration.ofSeconds(30), () -> !ofType("run.finished").isEmpty())).as(d.output()).isTrue();
            Cli.Result stopped = d.stop(Duration.ofSeconds(60));
            assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
            // said when the schedules were loaded, not first found in the audit after a night of denied fires
            assertThat(stopped.stderr().lines()).containsExactly("schedules/guarded.yaml:4:1: warning: schedule 'guarded-nightly'"
                    + " does not approve the gate 'restart' of runbook 'guarded': a fire that reaches it is denied there");
        }

        String run = AuditLog.ofType(cli.auditFile(), "run.finished").get(0).path("run_id").asText();
        List<JsonNode> events = AuditLog.events(cli.auditFile()).stream().filter(e -> e.path("run_id").asText().equals(run)).toList();
        JsonNode approved = only(events, "gate.approved");
        assertThat(approved.path("step").asText()).isEqualTo("drain");
        assertThat(approved.path("actor").path("user").asText()).isEqualTo("schedule@n1");
        assertThat(approved.path("actor").path("via").asText()).isEqualTo("schedule");
        JsonNode denied = only(events, "gate.denied");
        assertThat(denied.path("step").asText()).isEqualTo("restart");
        assertThat(denied.path("actor").path("user").asText()).isEqualTo("schedule@n1");
        assertThat(denied.path("actor").path("via").asText()).isEqualTo("schedule");
        assertThat(denied.path("data").toString()).contains("does not pre-approve gate 'restart'");
        assertThat(stepOutcomes(events)).containsExactly("drain ok", "restart denied", "undrain ok");
        assertThat(events).as("nothing after the denied gate ran").noneMatch(e -> e.path("step").asText().equals("after"));
        assertThat(only(events, "run.finished").path("data").path("status").asText()).isEqualTo("denied");
        assertThat(only(events, "run.finished").path("data").path("exit_code").asInt()).isEqualTo(3);
    }

    @Test
    void sigtermStopsNewFiresLetsRunsFinishWithinTheGraceAndInterruptsTheRestThroughTheirFinallySteps() {
        Daemons.write(home, "runbooks/short-job.yaml", """
                name: short-job
                steps:
                  - id: hold
                    run: %s 3
                """.formatted(sleeper));
        Daemons.write(home, "runbooks/long-job.yaml", """
                name: long-job
                steps:
                  - id: hold
                    run: %s 120
                finally:
                  - id: cleanup
                    run: echo cleaned up
                """.formatted(sleeper));
        Daemons.write(home, "schedules/jobs.yaml", """
                schedules:
                  - {id: short, runbook: short-job, cron: "* * * * * ?"}
                  - {id: long, runbook: long-job, cron: "* * * * * ?"}
                """);
        Duration grace = Duration.ofSeconds(5);

        Instant sigterm;
        Cli.Result stopped;
        try (Daemons.Running d = Daemons.start(cli, "--node", "n1", "--grace", "5s")) {
            // SIGTERM right after a short run started its step: it has about 3 s to go, the long one 120 s
            assertThat(Processes.eventually(Duration.ofSeconds(30), () -> holdsStarted("long-job") > 0)).as(d.output()).isTrue();
            int before = holdsStarted("short-job");
            assertThat(Processes.eventually(Duration.ofSeconds(30), () -> holdsStarted("short-job") > before)).as(d.output()).isTrue();
            assertThat(d.get("/health").statusCode()).isEqualTo(200);
            assertThat(AuditLog.parse(d.get("/health").body()).path("running").asInt()).isEqualTo(2);

            sigterm = Instant.now();
            d.process().signal("TERM");
            assertThat(Processes.eventually(Duration.ofSeconds(3), () -> d.get("/health").statusCode() == 503))
                    .as("/health says the daemon is stopping").isTrue();
            assertThat(d.get("/health").body()).contains("\"status\":\"stopping\"");
            stopped = d.process().await(Duration.ofSeconds(60));
        }

        assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
        assertThat(stopped.stdout()).contains("grace period over: interrupting 1 run(s)");
        assertThat(stopped.stdout()).as(stopped.toString())
                .containsPattern("schedule long: run [0-9a-f-]+ interrupted \\(SIGTERM: the daemon is stopping\\)\n")
                .doesNotContain("interrupted (interrupted");
        List<Fire> fires = Daemons.fires(cli.auditFile());
        assertThat(fires).as("no fire scheduled after SIGTERM").allSatisfy(f ->
                assertThat(f.scheduledAt()).isBefore(sigterm.plusSeconds(1)));

        Fire lastShort = last(fires, "short");
        JsonNode shortEnd = runEnd(lastShort.runId());
        assertThat(shortEnd.path("type").asText()).as("the short run got its grace").isEqualTo("run.finished");
        assertThat(shortEnd.path("data").path("status").asText()).isEqualTo("succeeded");

        Fire lastLong = last(fires, "long");
        JsonNode longEnd = runEnd(lastLong.runId());
        assertThat(longEnd.path("type").asText()).isEqualTo("run.aborted");
        assertThat(longEnd.path("data").path("message").asText()).contains("SIGTERM");
        assertThat(Instant.parse(longEnd.path("ts").asText())).as("not interrupted before the grace period was over")
                .isAfterOrEqualTo(sigterm.plus(grace).minusMillis(200));
        assertThat(Instant.parse(longEnd.path("ts").asText())).isAfter(Instant.parse(shortEnd.path("ts").asText()));
        List<JsonNode> longEvents = AuditLog.events(cli.auditFile()).stream()
                .filter(e -> e.path("run_id").asText().equals(lastLong.runId())).toList();
        assertThat(longEvents).filteredOn(e -> e.path("type").asText().equals("step.finished") && e.path("step").asText().equals("cleanup"))
                .as("the interrupted run's finally step ran").singleElement()
                .satisfies(e -> assertThat(e.path("data").path("outcome").asText()).as(e.toString()).isEqualTo("ok"));
        assertThat(Processes.awaitGone(sleeper.toString(), Duration.ofSeconds(5))).as("no step process left").isEmpty();
    }

    @Test
    void editsToTheScheduleFilesAreLoadedWhileItRunsAndOneThatDoesNotLoadLeavesTheRunningSchedules() throws java.io.IOException {
        Daemons.write(home, "runbooks/tick.yaml", Daemons.pulseRunbook("tick"));
        Daemons.write(home, "runbooks/tock.yaml", Daemons.pulseRunbook("tock"));
        Daemons.write(home, "schedules/a.yaml", "id: a\nrunbook: tick\ncron: \"* * * * * ?\"\n");

        try (Daemons.Running d = Daemons.start(cli, "--node", "n1", "--checkin", "1s")) {
            d.awaitFires(2, f -> f.schedule().equals("a"), Duration.ofSeconds(30));
            Daemons.write(home, "schedules/b.yaml", "id: b\nrunbook: tock\ncron: \"* * * * * ?\"\n");
            java.nio.file.Files.delete(home.resolve("schedules/a.yaml"));
            d.process().awaitOutput("reload (files changed): removed a; added b (runbook tock", Duration.ofSeconds(20));
            Instant reloaded = Instant.now();
            d.awaitFires(2, f -> f.schedule().equals("b"), Duration.ofSeconds(20));

            Daemons.write(home, "schedules/c.yaml", "id: c\nrunbook: nope\ncron: \"* * * * * ?\"\n");
            d.process().awaitOutput("reload (files changed): not reloaded, 1 problem(s); the running schedules stay as they were:",
                    Duration.ofSeconds(20));
            d.process().awaitOutput("  schedules/c.yaml:2:10: error: no runbook 'nope'", Duration.ofSeconds(5));
            int before = (int) d.fires().stream().filter(f -> f.schedule().equals("b")).count();
            d.awaitFires(before + 2, f -> f.schedule().equals("b"), Duration.ofSeconds(20));

            d.process().signal("HUP");
            d.process().awaitOutput("reload (SIGHUP): not reloaded, 1 problem(s)", Duration.ofSeconds(20));
            assertThat(d.isAlive()).as("SIGHUP reloads; it does not stop the daemon").isTrue();
            Cli.Result stopped = d.stop(Duration.ofSeconds(60));
            assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
            assertThat(d.fires()).as("a no longer fires once removed").filteredOn(f -> f.schedule().equals("a"))
                    .allSatisfy(f -> assertThat(f.scheduledAt()).isBefore(reloaded));
            assertThat(d.fires()).noneMatch(f -> f.schedule().equals("c"));
        }
    }

    @Test
    void firesMissedWhileNoDaemonRanAreCaughtUpOnceOrAuditedAsSkippedByTheInMemoryStore() throws InterruptedException {
        Daemons.write(home, "runbooks/tick.yaml", Daemons.pulseRunbook("tick"));
        Daemons.write(home, "runbooks/tock.yaml", Daemons.pulseRunbook("tock"));
        Daemons.write(home, "schedules/s.yaml", """
                schedules:
                  - {id: catch-up, runbook: tick, cron: "* * * * * ?", misfire: run-once, overlap: wait}
                  - {id: skip-missed, runbook: tock, cron: "* * * * * ?", misfire: skip}
                """);

        Instant killed;
        try (Daemons.Running first = Daemons.start(cli, "--node", "n1")) {
            first.awaitFires(2, f -> f.schedule().equals("catch-up"), Duration.ofSeconds(30));
            first.awaitFires(2, f -> f.schedule().equals("skip-missed"), Duration.ofSeconds(30));
            first.process().signal("KILL");
            first.process().await(Duration.ofSeconds(10));
            killed = Instant.now();
        }
        Instant lastBefore = Daemons.fires(cli.auditFile()).stream().filter(f -> f.schedule().equals("catch-up"))
                .map(Fire::scheduledAt).max(Instant::compareTo).orElseThrow();
        Thread.sleep(3000);
        Instant restarted = Instant.now();
        Fire catchUp;
        String said;
        try (Daemons.Running second = Daemons.start(cli, "--node", "n2")) {
            second.awaitFires(1, f -> f.missedSince() != null, Duration.ofSeconds(30));
            catchUp = second.fires().stream().filter(f -> f.missedSince() != null).findFirst().orElseThrow();
            assertThat(second.stop(Duration.ofSeconds(60)).exitCode()).isZero();
            said = second.output();
            assertThat(second.process().stdout()).contains("schedule catch-up: the fires from " + catchUp.missedSince() + " to ")
                    .contains(" missed while no daemon ran: one run for them now (misfire: run-once)");
        }

        assertThat(catchUp.schedule()).isEqualTo("catch-up");
        // the second after the last fire audited (or the one after, had the kill come as that one began)
        assertThat(catchUp.missedSince()).as("the first fire missed").isIn(lastBefore.plusSeconds(1), lastBefore.plusSeconds(2));
        assertThat(catchUp.scheduledAt()).as("the last fire missed, a cron time").isAfter(killed.minusSeconds(1)).isBefore(catchUp.started());
        assertThat(catchUp.scheduledAt().getNano()).isZero();
        assertThat(Daemons.fires(cli.auditFile())).as("one catch-up run").filteredOn(f -> f.missedSince() != null).hasSize(1);
        assertThat(ofType("schedule.skipped")).filteredOn(e -> e.path("data").path("schedule").asText().equals("skip-missed"))
                .filteredOn(e -> !e.path("data").path("reason").asText().startsWith("overlap: ")).as(said).singleElement()
                .satisfies(e -> assertThat(e.path("data").path("reason").asText()).startsWith("missed while no daemon ran: the fire")
                        .endsWith("(misfire: skip)"));

        Cli.Result show = cli.run("show", catchUp.runId());
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout().lines().toList().get(2)).isEqualTo("trigger schedule:catch-up, scheduled for " + catchUp.scheduledAt()
                + " (a catch-up run for the fires missed from " + catchUp.missedSince() + " to then)");
        assertThat(restarted).isBefore(catchUp.started());
    }

    /** The audit's events of a type; none before the daemon wrote its first. */
    private List<JsonNode> ofType(String type) {
        return java.nio.file.Files.exists(cli.auditFile()) ? AuditLog.ofType(cli.auditFile(), type) : List.of();
    }

    private int holdsStarted(String runbook) {
        return (int) ofType("step.started").stream()
                .filter(e -> e.path("runbook").path("name").asText().equals(runbook) && e.path("step").asText().equals("hold")).count();
    }

    private JsonNode runEnd(String runId) {
        return AuditLog.events(cli.auditFile()).stream().filter(e -> e.path("run_id").asText().equals(runId))
                .filter(e -> e.path("type").asText().matches("run\\.(finished|aborted)")).findFirst()
                .orElseThrow(() -> new AssertionError("run " + runId + " has no end in the audit"));
    }

    private static Fire last(List<Fire> fires, String schedule) {
        return fires.stream().filter(f -> f.schedule().equals(schedule)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no fire of " + schedule));
    }

    private static JsonNode only(List<JsonNode> events, String type) {
        List<JsonNode> of = events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
        assertThat(of).as("%s events in %s", type, events).hasSize(1);
        return of.get(0);
    }

    private static List<String> stepOutcomes(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("type").asText().equals("step.finished"))
                .map(e -> e.path("step").asText() + " " + e.path("data").path("outcome").asText()).toList();
    }
}
