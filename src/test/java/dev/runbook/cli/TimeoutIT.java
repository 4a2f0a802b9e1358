package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Step timeouts and run deadlines end the whole process tree; a grandchild holding a pipe hangs nothing. */
class TimeoutIT {
    @TempDir
    Path home;

    Cli cli;
    Path sleeper;
    String marker;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
        sleeper = Processes.sleeper(home);
        marker = sleeper.getFileName().toString();
    }

    @AfterEach
    void killLeftovers() {
        Processes.killAll(marker);
    }

    @Test
    void aStepTimeoutFailsTheStepAsTimedOutAndKillsItsGrandchildren() {
        long start = System.nanoTime();
        Cli.Result r = cli.run("run", e2e("timeout.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper);
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).containsPattern("stuck.*timed out");
        assertThat(ms).as("run time in ms").isLessThan(15_000);
        assertThat(Processes.awaitGone(marker, Duration.ofSeconds(3))).as("processes left by the timed-out step").isEmpty();
        assertThat(home.resolve("finally")).exists();
        JsonNode finished = AuditLog.ofType(cli.auditFile(), "step.finished").stream()
                .filter(e -> e.path("step").asText().equals("stuck")).findFirst().orElseThrow();
        assertThat(finished.path("data").path("outcome").asText()).contains("timed out");
    }

    @Test
    void aTimeoutEndsAStepThatIgnoresTermAndAGrandchildThatLeftItsProcessGroup() {
        long start = System.nanoTime();
        Cli.Result r = cli.run("run", e2e("stubborn.yaml"), "-p", "sleeper=" + sleeper);
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).containsPattern("stubborn.*timed out");
        assertThat(ms).as("run time in ms").isLessThan(15_000);
        assertThat(Processes.awaitGone(marker, Duration.ofSeconds(3))).as("processes left by the timed-out step").isEmpty();
    }

    @Test
    void aBackgroundGrandchildHoldingStdoutOpenDoesNotHangTheRun() {
        long start = System.nanoTime();
        Cli.Result r = cli.withTimeout(Duration.ofSeconds(20))
                .run("run", e2e("pipe-holder.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper);
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("spawned");
        assertThat(home.resolve("next")).as("the step after it ran").exists();
        assertThat(ms).as("run time in ms (the grandchild sleeps 300 s)").isLessThan(15_000);
    }

    @Test
    void aRunDeadlineStopsALongStepFailsTheRunAndStillRunsFinally() {
        long start = System.nanoTime();
        Cli.Result r = cli.run("run", e2e("deadline.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper);
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).contains("deadline");
        assertThat(ms).as("run time in ms").isLessThan(15_000);
        assertThat(home.resolve("after")).doesNotExist();
        assertThat(home.resolve("finally")).as("the finally step").exists();
        assertThat(Processes.awaitGone(marker, Duration.ofSeconds(3))).as("processes of the stopped step").isEmpty();
        JsonNode end = AuditLog.ofType(cli.auditFile(), "run.finished").get(0);
        assertThat(end.path("data").path("status").asText()).isEqualTo("failed");
    }

    @Test
    void aDeadlineOptionOverridesTheRunbookAndStopsTheRunToo() {
        Cli.Result r = cli.run("run", e2e("long-step.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper, "--deadline", "1s");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(home.resolve("finally")).exists();
        assertThat(Processes.awaitGone(marker, Duration.ofSeconds(3))).isEmpty();
    }
}
