package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** The reading commands' archive: after the run, the training JVM runs the launcher's list of commands on it. */
    @Test
    void theCommandsTheLauncherRunsAfterTrainingSucceedOnTheTrainingRun() throws IOException {
        String launcher = Files.readString(Path.of("bin", "runbook"));
        Matcher m = Pattern.compile("-D" + Pattern.quote(CdsPreload.THEN_PROPERTY) + "=([^\"]+)\"").matcher(launcher);
        assertThat(m.find()).as("bin/runbook sets %s", CdsPreload.THEN_PROPERTY).isTrue();
        String previous = System.setProperty(CdsPreload.THEN_PROPERTY, m.group(1));
        List<String[]> then;
        try {
            then = CdsPreload.thenCommands();
        } finally {
            if (previous == null) {
                System.clearProperty(CdsPreload.THEN_PROPERTY);
            } else {
                System.setProperty(CdsPreload.THEN_PROPERTY, previous);
            }
        }
        assertThat(then).extracting(c -> String.join(" ", c)).containsExactly("show last", "history", "audit verify");
        Cli cli = Cli.in(home);
        Cli.Result run = cli.run("run", "-i", Path.of("bin", "cds-training-inventory.yaml").toAbsolutePath().toString(),
                "-t", "train*:&spare", Path.of("bin", "cds-training.yaml").toAbsolutePath().toString(), "-p", "word=training");
        assertThat(run.exitCode()).as(run.toString()).isZero();

        for (String[] command : then) {
            Cli.Result r = cli.run(command);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).as(String.join(" ", command)).isNotBlank();
        }
    }
}
