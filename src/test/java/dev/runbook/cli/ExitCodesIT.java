package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every exit code of {@code runbook run} but 4 and 130 (LockIT, InterruptIT), as a script sees it. */
class ExitCodesIT {
    @TempDir
    Path home;

    Cli cli;
    String dir;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home).withEnv("E2E_DIR", home.toString());
        dir = "dir=" + home;
    }

    @Test
    void aSuccessfulRunExitsZeroAndSaysSo() {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("hello from e2e").contains("succeeded");
        assertThat(r.stdout()).as("plain lines when not on a terminal").doesNotContain("\u001b");
        assertThat(r.stderr()).isEmpty();
        assertThat(home.resolve("done")).exists();
    }

    @Test
    void aFailedStepExitsOneNamingTheStepAndItsReasonAndStillRunsFinally() {
        Cli.Result r = cli.run("run", e2e("fails.yaml"), "-p", dir);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).containsPattern("migrate.*failed.*disk full on /var/lib/db");
        assertThat(r.output()).contains("exit code 3");
        assertThat(home.resolve("after")).as("a step after the failed one").doesNotExist();
        assertThat(home.resolve("finally")).as("the finally step").exists();
        assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aFailedRunIsRecordedAsFailedWithTheFailedStep() {
        cli.run("run", e2e("fails.yaml"), "-p", dir);

        JsonNode finished = AuditLog.ofType(cli.auditFile(), "step.finished").stream()
                .filter(e -> e.path("step").asText().equals("migrate")).findFirst().orElseThrow();
        assertThat(finished.path("data").path("outcome").asText()).isEqualTo("failed");
        assertThat(finished.path("data").path("exit_code").asInt()).isEqualTo(3);
        JsonNode end = AuditLog.ofType(cli.auditFile(), "run.finished").get(0);
        assertThat(end.path("data").path("status").asText()).isEqualTo("failed");
        assertThat(end.path("data").path("exit_code").asInt()).isEqualTo(1);
        assertThat(cli.run("history").stdout()).contains("e2e-fails").contains("failed");
    }

    @Test
    void anInvalidRunbookExitsTwoWithEveryErrorAsFileLineColumnAndRunsNothing() {
        Cli.Result r = cli.run("run", e2e("invalid.yaml"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("invalid.yaml:10:5: error: unknown key 'tiemout'")
                .contains("did you mean 'timeout'?")
                .contains("invalid.yaml:11:5: error: step 'third' has no kind");
        assertNoStackTrace(r);
        assertThat(home.resolve("ran")).as("the first step's file").doesNotExist();
        assertNothingAudited();
    }

    @Test
    void aYamlSyntaxErrorExitsTwoWithItsPositionAndRunsNothing() {
        Cli.Result r = cli.run("run", e2e("invalid-syntax.yaml"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).containsPattern("invalid-syntax\\.yaml:\\d+:\\d+: error: ");
        assertNoStackTrace(r);
        assertThat(home.resolve("ran")).doesNotExist();
        assertNothingAudited();
    }

    @Test
    void validateReportsTheSameErrorsAndExitsTwo() {
        Cli.Result r = cli.run("validate", e2e("invalid.yaml"), e2e("succeeds.yaml"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("invalid.yaml:10:5: error: unknown key 'tiemout'");
        assertThat(r.stdout()).contains("1 of 2 runbooks valid");
        assertThat(home.resolve("ran")).doesNotExist();
    }

    @Test
    void aParamOfTheWrongTypeExitsTwoBeforeAnythingRuns() {
        assertInvalidInput(cli.run("run", e2e("params.yaml"), "-p", dir, "-p", "who=ann", "-p", "count=many", "--yes"),
                "'many' is not an integer");
    }

    @Test
    void aParamNotMatchingItsPatternExitsTwoBeforeAnythingRuns() {
        assertInvalidInput(cli.run("run", e2e("params.yaml"), "-p", dir, "-p", "who=Ann; rm", "--yes"),
                "does not match the pattern");
    }

    @Test
    void aParamWithALineBreakIsRefusedOnOneLine() {
        Cli.Result r = cli.run("run", e2e("params.yaml"), "-p", dir, "-p", "who=ann\nbob", "--yes");

        assertInvalidInput(r, "'ann\\nbob' does not match the pattern");
        assertThat(r.stderr().strip().lines()).hasSize(1);
    }

    @Test
    void anUnknownParamExitsTwoNamingTheParamsTheRunbookTakes() {
        assertInvalidInput(cli.run("run", e2e("params.yaml"), "-p", dir, "-p", "who=ann", "-p", "cuont=2", "--yes"),
                "no param 'cuont'");
    }

    @Test
    void aMissingRequiredParamExitsTwoSayingHowToGiveIt() {
        assertInvalidInput(cli.run("run", e2e("params.yaml"), "-p", dir, "--yes"), "-p who=");
    }

    @Test
    void aMalformedParamOptionExitsTwo() {
        assertInvalidInput(cli.run("run", e2e("params.yaml"), "-p", dir, "-p", "who", "--yes"), "KEY=VALUE");
    }

    @Test
    void approvingAGateThatDoesNotExistExitsTwoWithASuggestion() {
        assertInvalidInput(cli.run("run", e2e("params.yaml"), "-p", dir, "-p", "who=ann", "--approve", "aprove"),
                "did you mean 'approve'?");
    }

    @Test
    void anUnknownRunbookNameExitsTwoSayingWhereItLooked() {
        assertInvalidInput(cli.run("run", "no-such-runbook"), "no-such-runbook");
    }

    @Test
    void aDeadlineThatIsNotADurationExitsTwo() {
        assertInvalidInput(cli.run("run", e2e("params.yaml"), "-p", dir, "-p", "who=ann", "--yes", "--deadline", "soonish"),
                "soonish");
    }

    @Test
    void anUnknownOptionExitsTwo() {
        assertInvalidInput(cli.run("run", e2e("succeeds.yaml"), "-p", dir, "--yse"), "--yse");
    }

    @Test
    void aGateWithNoTerminalAndNoApprovalExitsThreeAuditedAsDeniedAndFinallyStillRuns() {
        Cli.Result r = cli.run("run", e2e("gated.yaml"), "-p", dir);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.output()).contains("approve").contains("not approved");
        assertThat(home.resolve("before")).exists();
        assertThat(home.resolve("after")).as("the step after the gate").doesNotExist();
        assertThat(home.resolve("finally")).as("the finally step").exists();
        List<JsonNode> denied = AuditLog.ofType(cli.auditFile(), "gate.denied");
        assertThat(denied).hasSize(1);
        assertThat(denied.get(0).path("step").asText()).isEqualTo("approve");
        assertThat(denied.get(0).path("actor").path("user").asText()).isEqualTo(System.getProperty("user.name"));
        assertThat(denied.get(0).path("actor").path("via").asText()).isIn("tty", "flag", "schedule", "rule");
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.approved")).isEmpty();
        assertThat(AuditLog.ofType(cli.auditFile(), "step.started")).extracting(e -> e.path("step").asText())
                .contains("before", "cleanup").doesNotContain("after");
        assertThat(AuditLog.ofType(cli.auditFile(), "run.finished").get(0).path("data").path("exit_code").asInt()).isEqualTo(3);
    }

    @Test
    void anAuditTrailThatCannotBeWrittenStopsTheRunBeforeAnyStep() {
        Cli.Result r = cli.withEnv("RUNBOOK_STATE", "/dev/null/state").run("run", e2e("succeeds.yaml"), "-p", dir);

        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stderr()).contains("/dev/null/state");
        assertNoStackTrace(r);
        assertThat(home.resolve("done")).as("the step's file").doesNotExist();
    }

    @Test
    void anInventoryBooleanAnsibleWouldNotTakeExitsTwoBeforeAnythingRuns() throws Exception {
        Files.writeString(home.resolve("inv.yaml"), """
                all:
                  hosts:
                    h1: {ansible_connection: local, ansible_become: perhaps, ansible_become_user: nobody}
                    h2: {ansible_connection: telnet}
                """);

        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir, "-i", "inv.yaml", "-t", "h1", "--yes");

        assertInvalidInput(r, "inv.yaml:3:53: error: ansible_become must be true or false (or yes/no, on/off, 1/0), not 'perhaps'");
        assertThat(r.stderr()).contains("inv.yaml:4:30: error: ansible_connection 'telnet' is not one runbook has");
        assertThat(home.resolve("done")).as("the step's file").doesNotExist();
    }

    @Test
    void anInventoryWhoseDatabasesAreWrongExitsTwoListingEachWithoutThePassword() throws Exception {
        Files.writeString(home.resolve("inv.yaml"), """
                all:
                  hosts:
                    db1:
                      runbook_databases:
                        main: {url: "mysql://x", user: [a], password: hunter2, connect_timeout: soon}
                """);

        Cli.Result r = cli.run("inventory", "list", "-i", "inv.yaml");

        assertInvalidInput(r, "inv.yaml:5:21: error: runbook_databases.main.url must be a PostgreSQL JDBC URL");
        assertThat(r.stderr()).contains("inv.yaml:5:40: error: runbook_databases.main.user must be a string")
                .contains("inv.yaml:5:55: error: runbook_databases.main.password must be env:VARIABLE or file:/path")
                .contains("inv.yaml:5:81: error: runbook_databases.main.connect_timeout: 'soon' is not a duration");
        assertThat(r.output()).doesNotContain("hunter2");
    }

    @Test
    void anIniInventoryOrADirectoryWithoutAYamlInventoryExitsTwoSayingWhatToGiveInstead() throws Exception {
        Files.writeString(home.resolve("i4.ini"), "[web]\nweb1 ansible_host=1.2.3.4\n");

        assertInvalidInput(cli.run("inventory", "list", "-i", "i4.ini"), "i4.ini:1:1: error: INI inventories are not supported;"
                + " convert it to YAML with: ansible-inventory -i i4.ini --list -y --output i4.yaml");
        assertInvalidInput(cli.run("inventory", "list", "-i", "."), "inventory . is a directory with no YAML inventory file in it");
    }

    @Test
    void anSshConfigThatSshWouldRefuseExitsTwoBeforeARunWithRemoteHostsStarts() throws Exception {
        Path user = Files.createDirectories(home.resolve("user"));
        Path config = Files.createDirectories(user.resolve(".ssh")).resolve("config");
        Files.writeString(config, "Host web*\n  Port abc\n  ServerAliveInterval soon\n");
        Files.writeString(home.resolve("inv.yaml"), "all:\n  hosts:\n    web1: {ansible_host: 192.0.2.1}\n    local1: {ansible_connection: local}\n");
        Cli withConfig = cli.withUserHome(user);

        Cli.Result r = withConfig.run("run", e2e("succeeds.yaml"), "-p", dir, "-i", "inv.yaml", "-t", "web1", "--yes");

        assertInvalidInput(r, config + ":2:8: error: Port must be a port number from 1 to 65535, not 'abc'");
        assertThat(r.stderr()).contains(config + ":3:23: error: ServerAliveInterval must be a time in seconds such as 30 or 1m, not 'soon'")
                .doesNotContain("unreachable");
        Cli.Result local = withConfig.run("run", e2e("succeeds.yaml"), "-p", dir, "-i", "inv.yaml", "-t", "local1", "--yes");
        assertThat(local.exitCode()).as("a run on local hosts only does not read ssh_config: %s", local).isZero();
    }

    private void assertInvalidInput(Cli.Result r, String message) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains(message);
        assertNoStackTrace(r);
        assertThat(home.resolve("ran")).as("a step's file").doesNotExist();
        assertNothingAudited();
    }

    private static void assertNoStackTrace(Cli.Result r) {
        assertThat(r.output()).doesNotContainPattern("\\n\\s+at [\\w.$]+\\(").doesNotContain("Exception");
    }

    private void assertNothingAudited() {
        Path audit = cli.auditFile();
        if (Files.exists(audit)) {
            assertThat(AuditLog.events(audit)).as("audit events after invalid input").isEmpty();
        }
    }
}
