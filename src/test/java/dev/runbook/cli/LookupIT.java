package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runbooks by name: runbooks/NAME.yaml of the working directory, then RUNBOOK_PATH; list, history and show. */
class LookupIT {
    @TempDir
    Path home;

    private Cli cli() {
        return Cli.in(home).withWorkDir(Path.of(e2e("runbooks-dir"))).withEnv("RUNBOOK_PATH", e2e("search-path"));
    }

    @Test
    void aNameIsFoundInTheRunbooksDirectoryOfTheWorkingDirectory() {
        Cli.Result r = cli().run("run", "e2e-named", "-p", "dir=" + home);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("named")).exists();
    }

    @Test
    void aNameIsFoundAlongRunbookPath() {
        Cli.Result r = cli().run("run", "e2e-on-path", "-p", "dir=" + home);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("on-path")).exists();
    }

    @Test
    void listShowsEveryRunbookOnTheSearchPathWithItsParams() {
        Cli.Result r = cli().run("list");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("e2e-named").contains("A runbook found by its name").contains("e2e-on-path")
                .contains("dir");
    }

    @Test
    void historyAndShowFindARunByItsIdAndShowIsRefusedForAnUnknownOne() {
        Cli cli = cli();
        assertThat(cli.run("run", "e2e-named", "-p", "dir=" + home).exitCode()).isZero();
        String runId = cli.run("history", "--runbook", "e2e-named").stdout().lines()
                .filter(l -> l.contains("e2e-named")).findFirst().orElseThrow().split("\\s+")[0];

        Cli.Result show = cli.run("show", runId);
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout()).contains("run " + runId + ": e2e-named")
                .containsPattern("run.finished\\s+succeeded in \\S+ m?s, steps: 1 ok");
        assertThat(cli.run("history", "--runbook", "e2e-on-path").stdout()).doesNotContain(runId);

        Cli.Result unknown = cli.run("show", "19700101-000000-000000");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("19700101-000000-000000");
    }
}
