package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Confirmation gates: asked on a terminal, approved by flag without one, each answer audited with who and how. */
class GatesIT {
    private static final String USER = System.getProperty("user.name");

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
    void answeringYesOnATerminalApprovesTheGateAuditedAsViaTty() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("gated.yaml"), "-p", dir)) {
            run.awaitOutput("Restart the e2e service on localhost? [y/N]").type("y\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("after")).exists();
        assertThat(r.output()).contains("approve: approved by " + USER + " via tty");
        JsonNode approved = single("gate.approved");
        assertThat(approved.path("step").asText()).isEqualTo("approve");
        assertThat(approved.path("actor").path("user").asText()).isEqualTo(USER);
        assertThat(approved.path("actor").path("via").asText()).isEqualTo("tty");
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.asked")).hasSize(1);
        assertThat(cli.run("show", "last").stdout()).containsPattern("gate.approved\\s+localhost approve\\s+by " + USER + " via tty");
    }

    @Test
    void answeringNoOnATerminalDeniesTheGateExitsThreeAndStillRunsFinally() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("gated.yaml"), "-p", dir)) {
            run.awaitOutput("[y/N]").type("n\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(home.resolve("before")).exists();
        assertThat(home.resolve("after")).doesNotExist();
        assertThat(home.resolve("finally")).exists();
        JsonNode denied = single("gate.denied");
        assertThat(denied.path("actor").path("via").asText()).isEqualTo("tty");
        assertThat(denied.path("actor").path("user").asText()).isEqualTo(USER);
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.approved")).isEmpty();
    }

    @Test
    void aYesPipedIntoARunWithoutATerminalDoesNotApproveTheGate() {
        Cli.Result r = cli.runWithInput("y\nyes\n", "run", e2e("gated.yaml"), "-p", dir);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(home.resolve("after")).doesNotExist();
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.approved")).isEmpty();
    }

    @Test
    void endOfInputAtThePromptDeniesTheGate() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("gated.yaml"), "-p", dir)) {
            run.awaitOutput("[y/N]").type("\u0004");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(home.resolve("after")).doesNotExist();
        assertThat(home.resolve("finally")).exists();
        assertThat(single("gate.denied").path("actor").path("via").asText()).isEqualTo("tty");
    }

    @Test
    void aTypedWordGateAsksThreeTimesThenDeniesCountingAnEmptyLineAsATry() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("word-gate.yaml"), "-p", dir)) {
            run.awaitOutput("type wipe-e2e to proceed").type("y\n");
            run.awaitOutput("did not match, 2 tries left").type("\n");
            run.awaitOutput("did not match, 1 try left").type("WIPE-E2E\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(home.resolve("wiped")).doesNotExist();
        assertThat(home.resolve("finally")).exists();
        assertThat(r.output()).contains("✗ wipe: not approved (the typed word did not match in 3 tries)");
        assertThat(r.output().split("type wipe-e2e to proceed", -1)).as("asked three times").hasSize(4);
        JsonNode denied = single("gate.denied");
        assertThat(denied.path("actor").path("via").asText()).isEqualTo("tty");
        assertThat(denied.path("data").path("attempts").asInt()).isEqualTo(3);
        assertThat(denied.path("data").path("reason").asText()).isEqualTo("the typed word did not match in 3 tries");
    }

    @Test
    void aTypoAtATypedWordGateCanBeCorrectedAndTheApprovalRecordsTheAttempts() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("word-gate.yaml"), "-p", dir)) {
            run.awaitOutput("type wipe-e2e to proceed").type("wipe-e2\n");
            run.awaitOutput("did not match, 2 tries left").type("wipe-e2e\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("wiped")).exists();
        JsonNode approved = single("gate.approved");
        assertThat(approved.path("actor").path("via").asText()).isEqualTo("tty");
        assertThat(approved.path("data").path("attempts").asInt()).isEqualTo(2);
    }

    @Test
    void endOfInputAtATypedWordGateDeniesAtOnceWithoutAnotherTry() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("word-gate.yaml"), "-p", dir)) {
            run.awaitOutput("type wipe-e2e to proceed").type("wipe\n");
            run.awaitOutput("did not match, 2 tries left").type("\u0004");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(home.resolve("wiped")).doesNotExist();
        assertThat(r.output()).contains("✗ wipe: not approved (no answer (end of input))").doesNotContain("1 try left");
        assertThat(single("gate.denied").path("data").path("attempts").asInt()).isEqualTo(1);
    }

    @Test
    void aTypedWordGateProceedsOnTheExactWord() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("word-gate.yaml"), "-p", dir)) {
            run.awaitOutput("This wipes the e2e database.").awaitOutput("type wipe-e2e to proceed").type("wipe-e2e\n");
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("wiped")).exists();
        assertThat(single("gate.approved").path("actor").path("via").asText()).isEqualTo("tty");
    }

    @Test
    void yesApprovesEveryGateWithoutATerminalAuditedAsViaFlag() {
        Cli.Result r = cli.run("run", e2e("two-gates.yaml"), "-p", dir, "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("drain")).exists();
        assertThat(home.resolve("reboot")).exists();
        List<JsonNode> approved = AuditLog.ofType(cli.auditFile(), "gate.approved");
        assertThat(approved).extracting(e -> e.path("step").asText()).containsExactly("drain", "reboot");
        assertThat(approved).allSatisfy(e -> {
            assertThat(e.path("actor").path("via").asText()).isEqualTo("flag");
            assertThat(e.path("actor").path("user").asText()).isEqualTo(USER);
        });
        // the run was started from no terminal, by no flag: the approvals were by --yes
        assertThat(single("run.started").path("actor").path("via").asText()).isEqualTo("cli");
    }

    @Test
    void approveIdApprovesThatGateOnlyAndTheNextGateStillStopsTheRun() {
        Cli.Result r = cli.run("run", e2e("two-gates.yaml"), "-p", dir, "--approve", "drain");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(home.resolve("drain")).exists();
        assertThat(home.resolve("reboot")).doesNotExist();
        assertThat(home.resolve("finally")).exists();
        assertThat(single("gate.approved").path("step").asText()).isEqualTo("drain");
        assertThat(single("gate.approved").path("actor").path("via").asText()).isEqualTo("flag");
        assertThat(single("gate.denied").path("step").asText()).isEqualTo("reboot");
    }

    @Test
    void approvingEachGateByIdLetsTheRunThroughWithoutATerminal() {
        Cli.Result r = cli.run("run", e2e("two-gates.yaml"), "-p", dir, "--approve", "drain", "--approve", "reboot");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("reboot")).exists();
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.approved")).hasSize(2)
                .allSatisfy(e -> assertThat(e.path("actor").path("via").asText()).isEqualTo("flag"));
    }

    @Test
    void aGateInACalledRunbookIsApprovedByItsStepIdWithoutATerminal() {
        Cli.Result r = cli.run("run", e2e("calls-word-gate.yaml"), "-p", dir, "--approve", "wipe");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("wiped")).exists();
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.approved")).singleElement()
                .satisfies(e -> assertThat(e.path("step").asText()).isEqualTo("wipe-it/wipe"));

        Cli.Result typo = cli.run("run", e2e("calls-word-gate.yaml"), "-p", dir, "--approve", "wipes");

        assertThat(typo.exitCode()).as(typo.toString()).isEqualTo(2);
        assertThat(typo.stderr()).contains("--approve wipes").contains("did you mean 'wipe'?");
    }

    @Test
    void yesOnATerminalApprovesWithoutAsking() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("gated.yaml"), "-p", dir, "--yes")) {
            r = run.await();
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).doesNotContain("[y/N]");
        assertThat(single("gate.approved").path("actor").path("via").asText()).isEqualTo("flag");
    }

    @Test
    void aTerminalGetsColoursUnlessNoColorIsSet() {
        Cli.Result coloured;
        try (Cli.Running run = cli.withEnv("TERM", "xterm").withEnv("NO_COLOR", "").startOnTerminal("run", e2e("gated.yaml"), "-p", dir, "--yes")) {
            coloured = run.await();
        }
        Cli.Result plain;
        try (Cli.Running run = cli.withEnv("TERM", "xterm").withEnv("NO_COLOR", "1").startOnTerminal("run", e2e("gated.yaml"), "-p", dir, "--yes")) {
            plain = run.await();
        }

        assertThat(coloured.exitCode()).as(coloured.toString()).isZero();
        assertThat(coloured.stdout()).contains("\u001b[32m");
        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        assertThat(plain.stdout()).doesNotContain("\u001b[32m").doesNotContain("\u001b[31m");
    }

    private JsonNode single(String type) {
        List<JsonNode> events = AuditLog.ofType(cli.auditFile(), type);
        assertThat(events).as(type + " events").hasSize(1);
        return events.get(0);
    }
}
