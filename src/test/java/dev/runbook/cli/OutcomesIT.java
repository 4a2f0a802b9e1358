package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run says happened, on the console, in the audit and in {@code show}: nothing counted as done that was not. */
class OutcomesIT {
    @TempDir
    Path home;

    Cli cli;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
    }

    @Test
    void aLoopOverAnEmptyListIsShownAuditedAndCountedAsSkippedAndIsNotOk() {
        Cli.Result r = cli.run("run", e2e("empty-loop.yaml"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("- restart: skipped (loop over an empty list)\n")
                .contains("✗ failed: step 'after' failed: assertion failed: steps.restart.ok in ")
                .contains(" · steps: 1 failed, 1 skipped\n");
        JsonNode skipped = AuditLog.ofType(cli.auditFile(), "step.skipped").get(0);
        assertThat(skipped.path("step").asText()).isEqualTo("restart");
        assertThat(skipped.path("data").path("reason").asText()).isEqualTo("loop over an empty list");
        assertThat(cli.run("show", "last").stdout()).containsPattern("step\\.skipped +localhost restart  loop over an empty list");
    }

    @Test
    void aPlanShowsALoopOverAKnownEmptyListAsSkipped() {
        Cli.Result r = cli.run("plan", e2e("empty-loop.yaml"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("1. restart  run (changes)\n       │ for each item of {{ params.hosts }}\n"
                + "       skipped: loop over an empty list\n");
        assertThat(cli.run("plan", e2e("empty-loop.yaml"), "--format", "markdown").stdout())
                .contains("| 1 | `restart` | localhost | run (changes) | skipped |  |");
    }
}
