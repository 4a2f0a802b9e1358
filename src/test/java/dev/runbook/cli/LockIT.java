package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run per runbook and target at a time: a second exits 4 naming the holder; a dead holder's lock is taken over. */
class LockIT {
    @TempDir
    Path home;

    Cli cli;
    Path sleeper;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
        sleeper = Processes.sleeper(home);
    }

    @AfterEach
    void killLeftovers() {
        Processes.killAll(sleeper.toString());
    }

    @Test
    void aSecondRunOfTheSameRunbookExitsFourNamingTheHolder() {
        try (Cli.Running holder = cli.start("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper)) {
            holder.awaitOutput("hold: started");

            Cli.Result second = cli.run("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper, "-p", "seconds=0");

            assertThat(second.exitCode()).as(second.toString()).isEqualTo(4);
            String user = System.getProperty("user.name");
            assertThat(second.stderr()).startsWith("runbook: error: runbook 'e2e-slow' on localhost is already running")
                    .contains("pid " + holder.pid()).contains("user " + user)
                    .containsPattern("started \\d{4}-\\d\\d-\\d\\dT");
            assertThat(second.stderr()).doesNotContain("Exception");
            assertThat(holder.isAlive()).as("the holder keeps running").isTrue();
        }
    }

    @Test
    void aSecondRunWithJsonOutputSaysOnStdoutTooThatTheLockIsHeld() {
        try (Cli.Running holder = cli.start("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper)) {
            holder.awaitOutput("hold: started");

            Cli.Result second = cli.run("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper, "-p", "seconds=0", "--output", "json");

            JsonNode refused = JsonOutputIT.refusal(second, 4);
            assertThat(refused.path("message").asText()).isEqualTo(second.stderr().strip()).contains("e2e-slow").contains("pid " + holder.pid());
            assertThat(holder.isAlive()).as("the holder keeps running").isTrue();
        }
    }

    @Test
    void aRunTakesOverTheLockOfAHolderKilledWithSigkillAndAuditsIt() {
        long holderPid;
        String holderRun;
        try (Cli.Running holder = cli.start("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper)) {
            holder.awaitOutput("hold: started");
            holderPid = holder.pid();
            holderRun = AuditLog.ofType(cli.auditFile(), "run.started").get(0).path("run_id").asText();
            holder.signal("KILL");
            assertThat(holder.await().exitCode()).isEqualTo(128 + 9);
        }

        Cli.Result next = cli.run("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper, "-p", "seconds=0");

        assertThat(next.exitCode()).as(next.toString()).isZero();
        List<JsonNode> starts = AuditLog.ofType(cli.auditFile(), "run.started");
        assertThat(starts).hasSize(2);
        JsonNode takenOver = starts.get(1).path("data").path("lock_taken_over_from");
        assertThat(takenOver.isObject()).as("run.started data: " + starts.get(1).path("data")).isTrue();
        assertThat(takenOver.path("pid").asLong()).isEqualTo(holderPid);
        assertThat(takenOver.path("run_id").asText()).isEqualTo(holderRun);
        assertThat(takenOver.path("user").asText()).isEqualTo(System.getProperty("user.name"));
        Cli.Result history = cli.run("history");
        assertThat(history.stdout()).containsPattern(holderRun + "\\s+e2e-slow\\s+died")
                .containsPattern(starts.get(1).path("run_id").asText() + "\\s+e2e-slow\\s+succeeded");
    }

    @Test
    void historyAndShowListARunWhoseHolderStillRunsAsRunning() {
        try (Cli.Running holder = cli.start("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper)) {
            holder.awaitOutput("hold: started");
            String runId = AuditLog.ofType(cli.auditFile(), "run.started").get(0).path("run_id").asText();

            Cli.Result history = cli.run("history");
            Cli.Result show = cli.run("show", runId);

            assertThat(history.stdout()).containsPattern(runId + "\\s+e2e-slow\\s+running");
            assertThat(show.stdout()).contains("running: no end event yet (pid " + holder.pid() + " on ");
        }
    }

    @Test
    void aRunAfterAHolderThatEndedNormallyTakesNothingOver() {
        assertThat(cli.run("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper, "-p", "seconds=0").exitCode()).isZero();
        Cli.Result next = cli.run("run", e2e("slow.yaml"), "-p", "sleeper=" + sleeper, "-p", "seconds=0");

        assertThat(next.exitCode()).as(next.toString()).isZero();
        assertThat(AuditLog.ofType(cli.auditFile(), "run.started"))
                .allSatisfy(e -> assertThat(e.path("data").has("lock_taken_over_from")).isFalse());
    }
}
