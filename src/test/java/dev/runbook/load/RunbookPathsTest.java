package dev.runbook.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RUNBOOK_PATH entries that are no directory: passed over by lookups, and named, with why, wherever the search path is described. */
class RunbookPathsTest {
    @TempDir
    Path work;

    @Test
    void entriesThatAreAFileOrMissingAreSkippedWithTheirReason() throws IOException {
        Files.writeString(work.resolve("a-file"), "not a directory\n");
        Files.createDirectories(work.resolve("shared"));

        RunbookPaths paths = new RunbookPaths(work, "a-file:/no/such/dir:shared");

        assertThat(paths.skipped()).containsExactly(
                "RUNBOOK_PATH entry a-file (" + work.resolve("a-file") + ") is not a directory",
                "RUNBOOK_PATH entry /no/such/dir does not exist");
        assertThat(paths.describe()).isEqualTo("runbooks, shared; skipped: RUNBOOK_PATH entry a-file (" + work.resolve("a-file")
                + ") is not a directory, RUNBOOK_PATH entry /no/such/dir does not exist");
    }

    @Test
    void aRunbookAfterABadEntryIsStillFoundAndListed() throws IOException {
        Path shared = Files.createDirectories(work.resolve("shared"));
        Path runbook = Files.writeString(shared.resolve("deploy.yaml"), "steps: []\n");

        RunbookPaths paths = new RunbookPaths(work, "/no/such/dir:" + shared);

        assertThat(paths.find("deploy")).contains(runbook);
        assertThat(paths.all()).containsExactly(runbook);
    }

    @Test
    void aSearchPathOfDirectoriesSkipsNothingAndShowsDirectoriesOutsideTheWorkingDirectoryWhole() throws IOException {
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));

        RunbookPaths paths = new RunbookPaths(Files.createDirectories(work.resolve("project")), elsewhere + ":../elsewhere");

        assertThat(paths.skipped()).isEmpty();
        assertThat(paths.describe()).isEqualTo("runbooks, " + elsewhere + ", ../elsewhere");
        assertThat(new RunbookPaths(work, null).describe()).isEqualTo("runbooks");
    }
}
