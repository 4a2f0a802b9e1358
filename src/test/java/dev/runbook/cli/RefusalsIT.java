package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands refused for bad options or input: exit 2, one clear line, and nothing ran or changed. */
class RefusalsIT {
    @TempDir
    Path home;

    Cli cli;
    String dir;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
        dir = "dir=" + home;
    }

    @Test
    void probeWithoutDryRunIsRefusedInsteadOfRunningForReal() {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir, "--probe");

        assertRefused(r, "runbook: error: --probe needs --dry-run (or use: runbook plan --probe)");
    }

    @Test
    void formatWithoutDryRunIsRefusedInsteadOfRunningForReal() {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir, "--format", "json");

        assertRefused(r, "runbook: error: --format needs --dry-run (or use: runbook plan --format)");
    }

    @Test
    void probeAndFormatWithDryRunStillPlan() {
        Cli.Result r = cli.run("run", e2e("plan.yaml"), "-p", dir, "--dry-run", "--probe", "--format", "json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("\"repair\"");
        assertThat(home.resolve("probed")).as("the readonly probe ran").exists();
        assertThat(home.resolve("changed")).as("a mutating step").doesNotExist();
    }

    @Test
    void aRunRefusedForABadParamCreatesNoStateDirectory() {
        Cli.Result r = cli.run("run", e2e("params.yaml"), "-p", dir, "-p", "who=ann", "-p", "count=many", "--yes");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("'many' is not an integer");
        assertThat(cli.state()).as("the state directory").doesNotExist();
    }

    @Test
    void aMissingSecretIsReportedWithEveryOtherProblemOfTheInput() {
        String file = e2e("needs-token.yaml");
        Cli.Result r = cli.run("run", file, "-p", dir, "-p", "user=Bob", "-p", "bogus=1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).as(r.toString()).containsExactly(
                file + ":2:1: error: runbook 'e2e-needs-token' has no param 'bogus'; it takes user, dir",
                file + ":4:3: error: param 'user' (string): 'Bob' does not match the pattern ^[a-z]+$",
                file + ":7:10: error: secret 'token': environment variable E2E_TOKEN is not set");
        assertThat(home.resolve("done")).as("the run's side effect").doesNotExist();
        assertThat(cli.state()).as("the state directory").doesNotExist();
    }

    @Test
    void anAuditStorePasswordThatIsNowhereIsRefusedBeforeTheRunNotSpooledThrough() throws Exception {
        Path config = Files.writeString(home.resolve("config.yaml"), """
                audit:
                  store: postgres
                  url: jdbc:postgresql://127.0.0.1:1/runbook
                  password: env:RUNBOOK_TEST_UNSET_AUDIT_PASSWORD
                """);
        Cli withConfig = cli.withEnv("RUNBOOK_CONFIG", config.toString());

        Cli.Result r = withConfig.run("run", e2e("succeeds.yaml"), "-p", dir);
        Cli.Result history = withConfig.run("history");

        // the working directory is home: the file is named as the user can open it from there
        String message = "config.yaml:4:13: error: audit.password (env:RUNBOOK_TEST_UNSET_AUDIT_PASSWORD): "
                + "environment variable RUNBOOK_TEST_UNSET_AUDIT_PASSWORD is not set";
        assertRefused(r, message);
        assertThat(history.exitCode()).as(history.toString()).isEqualTo(2);
        assertThat(history.stderr().lines()).containsExactly(message);
    }

    @Test
    void anEmptyItemOfAListParamIsRefusedWithItsPosition() {
        Cli.Result r = cli.run("run", e2e("list-params.yaml"), "-p", dir, "-p", "hosts=a, b,,c");

        assertRefused(r, e2e("list-params.yaml") + ":4:3: error: param 'hosts' (list): item 3 of 'a, b,,c' is empty");
    }

    @Test
    void aTrailingCommaInAListParamIsAnEmptyItem() {
        Cli.Result r = cli.run("run", e2e("list-params.yaml"), "-p", dir, "-p", "hosts=a,b,");

        assertRefused(r, e2e("list-params.yaml") + ":4:3: error: param 'hosts' (list): item 3 of 'a,b,' is empty");
    }

    @Test
    void aRequiredListParamGivenEmptyIsRefused() {
        Cli.Result r = cli.run("run", e2e("list-params.yaml"), "-p", dir, "-p", "hosts=");

        assertRefused(r, e2e("list-params.yaml") + ":4:3: error: param 'hosts' is required and the list given is empty");
    }

    @Test
    void aListParamThatIsNotRequiredMayBeGivenEmpty() {
        Cli.Result r = cli.run("run", e2e("list-params.yaml"), "-p", dir, "-p", "hosts=a, b", "-p", "tags=");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("hosts=a+b tags=0 count=1");
    }

    @Test
    void anIntParamBeyondTheRangeOfItsTypeIsSaidToBeOutOfRange() {
        Cli.Result r = cli.run("run", e2e("list-params.yaml"), "-p", dir, "-p", "hosts=a", "-p", "count=99999999999999999999");

        assertRefused(r, e2e("list-params.yaml") + ":6:3: error: param 'count' (int): '99999999999999999999' is out of range:"
                + " an int is from -9223372036854775808 to 9223372036854775807");
    }

    @Test
    void aRunRefusedForAMissingInventoryCreatesNoStateDirectory() {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir, "-i", home.resolve("no-such-inventory.yaml").toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("no-such-inventory.yaml");
        assertThat(cli.state()).as("the state directory").doesNotExist();
    }

    @Test
    void aRunRefusedForTargetsMatchingNothingCreatesNoStateDirectory() {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir, "-t", "nosuchhost");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("'nosuchhost' matches no host");
        assertThat(cli.state()).as("the state directory").doesNotExist();
        assertThat(home.resolve("done")).doesNotExist();
    }

    @Test
    void planCreatesNoStateDirectory() {
        Cli.Result r = cli.run("plan", e2e("plan.yaml"), "-p", dir);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("change");
        assertThat(cli.state()).as("the state directory").doesNotExist();
    }

    @Test
    void planPlansWhenTheStatePathIsAFile() throws java.io.IOException {
        Files.writeString(cli.state(), "not a directory\n");

        Cli.Result r = cli.run("plan", e2e("plan.yaml"), "-p", dir);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("change");
        assertThat(cli.state()).isRegularFile().hasContent("not a directory");
    }

    @Test
    void aRunCreatesTheStateDirectoryPrivate() throws java.io.IOException {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.state()))).isEqualTo("rwx------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.auditFile()))).isEqualTo("rw-------");
    }

    @Test
    void aDirectoryGivenForARunbookIsSaidToBeOneWithWhatToDoInstead() throws java.io.IOException {
        Path somedir = Files.createDirectories(home.resolve("somedir"));

        Cli.Result r = cli.run("run", somedir.toString());

        assertRefused(r, "runbook: error: '" + somedir + "' is a directory, not a runbook: give one of its files, "
                + "or check them all with: runbook validate " + somedir);
    }

    @Test
    void anOptionPicocliRefusesReadsLikeEveryOtherError() {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir, "--limit");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines().findFirst()).as(r.toString()).contains("runbook: error: missing required parameter for option '--limit' (PATTERN)");
        Cli.Result limit = cli.run("history", "--limit", "x");
        assertThat(limit.exitCode()).as(limit.toString()).isEqualTo(2);
        assertThat(limit.stderr().lines().findFirst()).contains("runbook: error: invalid value for option '--limit': 'x' is not an int");
    }

    private void assertRefused(Cli.Result r, String message) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).as(r.toString()).containsExactly(message);
        assertThat(r.stdout()).isEmpty();
        assertThat(home.resolve("done")).as("the run's side effect").doesNotExist();
        assertThat(cli.state()).as("the state directory").doesNotExist();
        Path audit = cli.auditFile();
        if (Files.exists(audit)) {
            assertThat(AuditLog.events(audit)).as("audit events").isEmpty();
        }
    }
}
