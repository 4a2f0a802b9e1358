package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C during a long step: its process tree is killed, finally runs, run.aborted is audited, exit 130. */
class InterruptIT {
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
    void sigintDuringALongStepKillsItsWholeTreeRunsFinallyAndExits130() {
        Cli.Result r;
        try (Cli.Running run = cli.start("run", e2e("long-step.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper)) {
            run.awaitOutput("long: started");
            awaitChildAndGrandchild();

            run.signal("INT");
            r = run.await(Duration.ofSeconds(15));
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(130);
        assertStoppedCleanly(r);
    }

    @Test
    void ctrlCTypedOnTheTerminalStopsTheRunTheSameWay() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("long-step.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper)) {
            awaitChildAndGrandchild();

            run.type("\u0003");
            r = run.await(Duration.ofSeconds(15));
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(130);
        assertStoppedCleanly(r);
    }

    @Test
    void sigtermDuringALongStepAlsoKillsTheTreeAndRunsFinally() {
        Cli.Result r;
        try (Cli.Running run = cli.start("run", e2e("long-step.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper)) {
            run.awaitOutput("long: started");
            awaitChildAndGrandchild();

            run.signal("TERM");
            r = run.await(Duration.ofSeconds(15));
        }

        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertStoppedCleanly(r);
    }

    @Test
    void aSecondSigintStopsALongFinallyStepToo() {
        Cli.Result r;
        try (Cli.Running run = cli.start("run", e2e("long-finally.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper)) {
            run.awaitOutput("long: started");
            run.signal("INT");
            run.awaitOutput("slow-cleanup: started");
            assertThat(Processes.eventually(Duration.ofSeconds(10), () -> !Processes.matching("^" + sleeper + " 31$").isEmpty()))
                    .as("the finally step's process is running").isTrue();

            run.signal("INT");
            r = run.await(Duration.ofSeconds(15));
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(130);
        assertThat(Processes.awaitGone(marker, Duration.ofSeconds(5))).as("processes of both steps").isEmpty();
        assertThat(home.resolve("cleaned")).doesNotExist();
        List<JsonNode> events = AuditLog.events(cli.auditFile());
        assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("run.aborted");
    }

    private void awaitChildAndGrandchild() {
        assertThat(Processes.eventually(Duration.ofSeconds(15), () -> Processes.matching("^" + sleeper + " 300$").size() == 1
                && Processes.matching("^" + sleeper + " 30$").size() == 1))
                .as("the step's child (sleep 30) and background grandchild (sleep 300) are running").isTrue();
    }

    private void assertStoppedCleanly(Cli.Result r) {
        assertThat(Processes.awaitGone(marker, Duration.ofSeconds(5))).as("processes of the interrupted step").isEmpty();
        assertThat(home.resolve("long-finished")).doesNotExist();
        assertThat(home.resolve("after")).as("the step after the interrupted one").doesNotExist();
        assertThat(home.resolve("finally")).as("the finally step").exists();
        assertThat(r.output()).contains("interrupted");
        List<JsonNode> events = AuditLog.events(cli.auditFile());
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("type").asText()).as("the last audit event").isEqualTo("run.aborted");
        assertThat(events).filteredOn(e -> e.path("type").asText().equals("step.finished"))
                .extracting(e -> e.path("step").asText() + " " + e.path("data").path("outcome").asText())
                .contains("first ok", "cleanup ok").noneMatch(s -> s.startsWith("long ok"));
        assertThat(cli.run("audit", "verify").exitCode()).isZero();
    }
}
