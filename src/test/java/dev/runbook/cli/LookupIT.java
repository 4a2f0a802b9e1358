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

    /** RUNBOOK_PATH with a file and a path that does not exist before the directory that holds the runbook. */
    private Cli withBadEntries() {
        return cli().withEnv("RUNBOOK_PATH", e2e("succeeds.yaml") + ":" + home.resolve("no-such-dir") + ":" + e2e("search-path"));
    }

    @Test
    void aNameIsFoundAlongRunbookPathPastEntriesThatAreNoDirectory() {
        Cli.Result r = withBadEntries().run("run", "e2e-on-path", "-p", "dir=" + home);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("on-path")).exists();
        assertThat(r.stderr()).as("the lookup succeeded: nothing to say about the bad entries").isEmpty();
    }

    @Test
    void aNameNotFoundSaysWhichRunbookPathEntriesWereSkippedAndWhy() {
        Cli.Result r = withBadEntries().run("run", "no-such-runbook");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly("runbook: error: no runbook 'no-such-runbook' (looked for no-such-runbook.yaml in runbooks, "
                + e2e("search-path") + "; skipped: RUNBOOK_PATH entry " + e2e("succeeds.yaml") + " is not a directory, RUNBOOK_PATH entry "
                + home.resolve("no-such-dir") + " does not exist)");
    }

    @Test
    void listWarnsOnStderrOnceForEachRunbookPathEntryThatIsNoDirectoryAndListsTheRest() {
        Cli.Result r = withBadEntries().run("list");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr().lines()).containsExactly(
                "runbook: warning: RUNBOOK_PATH entry " + e2e("succeeds.yaml") + " is not a directory; skipped",
                "runbook: warning: RUNBOOK_PATH entry " + home.resolve("no-such-dir") + " does not exist; skipped");
        assertThat(r.stdout()).contains("e2e-named").contains("e2e-on-path");
        assertThat(cli().run("list").stderr()).as("every entry a directory").isEmpty();
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
    /** runbooks/bar.yaml whose name: says foo, in a working directory of its own. */
    private Cli namedOtherwise() throws java.io.IOException {
        Path work = java.nio.file.Files.createDirectories(home.resolve("work/runbooks")).getParent();
        java.nio.file.Files.writeString(work.resolve("runbooks/bar.yaml"), """
                # the file says bar, the name foo
                name: foo
                description: Declares another name than its file's
                steps:
                  - id: say
                    run: echo bar
                """);
        return Cli.in(home).withWorkDir(work);
    }

    @Test
    void aNameThatDiffersFromTheFileNameIsAWarningOfValidateAtTheNameKey() throws java.io.IOException {
        Cli.Result r = namedOtherwise().run("validate");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr().lines()).containsExactly(
                "runbooks/bar.yaml:2:1: warning: name 'foo' differs from the file name; run it as 'bar' (runbooks are looked up by file name)");
        assertThat(r.stdout()).contains("1 of 1 runbook valid, 1 warning");
    }

    @Test
    void listShowsTheNameToTypeWithTheDeclaredNameBesideIt() throws java.io.IOException {
        Cli.Result r = namedOtherwise().run("list");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout().lines()).containsExactly(String.format("%-24s (name: foo) Declares another name than its file's", "bar"));
    }

    @Test
    void runningByTheDeclaredNameSaysWhichFileDeclaresItAndHowToRunIt() throws java.io.IOException {
        Cli cli = namedOtherwise();
        Cli.Result r = cli.run("run", "foo");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly("runbook: error: no runbook 'foo' (looked for foo.yaml in runbooks); "
                + "runbooks/bar.yaml is named 'foo': run it as 'bar'");
        assertThat(cli.run("run", "bar").exitCode()).isZero();
    }
}
