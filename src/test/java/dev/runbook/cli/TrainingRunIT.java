package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's training run (bin/runbook, after each build) must succeed, or the launcher drops
 * the class-data-sharing archive and every later start is slower without anyone being told.
 */
class TrainingRunIT {
    @TempDir
    Path home;

    @Test
    void theLaunchersTrainingRunSucceedsWithItsInventoryAndTargetPattern() {
        Path rb = Path.of("bin", "cds-training.yaml").toAbsolutePath();
        Path inventory = Path.of("bin", "cds-training-inventory.yaml").toAbsolutePath();

        Cli.Result r = Cli.in(home).run("run", "-i", inventory.toString(), "-t", "train*:&spare", rb.toString(), "-p", "word=training");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("training a,b training").contains("cds-training on localhost");
    }
}
