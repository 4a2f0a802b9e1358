package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README: "Options for every command: --verbose, --debug, --no-color". */
class CommonOptionsIT {
    @TempDir
    Path home;

    @Test
    void schemaTakesTheCommonOptions() {
        Cli.Result r = Cli.in(home).run("schema", "--verbose", "--debug", "--no-color");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("\"$schema\"");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void aCommandGroupTakesThemBeforeItsSubcommand() {
        Cli.Result r = Cli.in(home).run("schedule", "--no-color", "--verbose", "validate", "--dir", home.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("schedules valid");
    }

    /** Each command that can run here harmlessly, the options before and after a group's subcommand (CliSpecTest checks every command's options). */
    @Test
    void theReadingCommandsAndGroupsTakeThem() {
        List<String> refused = new ArrayList<>();
        Cli cli = Cli.in(home);
        for (String line : List.of("list --verbose --debug --no-color", "history --verbose --debug --no-color",
                "audit --verbose verify --no-color", "inventory --no-color list --debug", "schedule --debug list --verbose",
                "validate --no-color --verbose --debug " + home)) {
            Cli.Result r = cli.run(line.split(" "));
            if (r.stderr().contains("unknown option")) {
                refused.add(line + ": " + r.stderr().strip());
            }
        }
        assertThat(refused).isEmpty();
    }
}
