package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --output json}: one JSON object per line on stdout, the audited events with the contract's fields. */
class JsonOutputIT {
    private static final List<String> EVENT_FIELDS = List.of("v", "run_id", "seq", "ts", "type", "runbook", "host",
            "step", "actor", "data");

    @TempDir
    Path home;

    @Test
    void everyLineIsAJsonEventWithTheContractsFieldsInTheAuditsOrder() {
        Cli cli = Cli.in(home);
        Cli.Result r = cli.run("run", e2e("fails.yaml"), "-p", "dir=" + home, "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        List<JsonNode> lines = r.stdout().lines().map(AuditLog::parse).toList();
        assertThat(lines).allSatisfy(n -> assertThat(n.isObject()).isTrue());
        List<JsonNode> events = lines.stream().filter(n -> !n.path("type").asText().equals("step.output")).toList();
        assertThat(events).allSatisfy(e -> {
            assertThat(e.fieldNames()).toIterable().as(e.toString()).containsAll(EVENT_FIELDS);
            assertThat(e.path("v").asInt()).isEqualTo(1);
            assertThat(e.path("runbook").path("name").asText()).isEqualTo("e2e-fails");
            assertThat(e.path("runbook").path("path").asText()).endsWith("fails.yaml");
            assertThat(e.path("runbook").path("sha256").asText()).matches("[0-9a-f]{64}");
            assertThat(e.path("actor").path("user").asText()).isEqualTo(System.getProperty("user.name"));
            assertThat(e.path("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        });
        assertThat(events).extracting(e -> e.path("run_id").asText()).containsOnly(events.get(0).path("run_id").asText());
        assertThat(events.get(0).path("type").asText()).isEqualTo("run.started");
        assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("run.finished");
        assertThat(events.get(events.size() - 1).path("data").path("exit_code").asInt()).isEqualTo(1);

        List<JsonNode> audited = AuditLog.events(cli.auditFile());
        assertThat(events).extracting(e -> e.path("seq").asLong() + " " + e.path("type").asText() + " " + e.path("step").asText())
                .containsExactlyElementsOf(audited.stream()
                        .map(e -> e.path("seq").asLong() + " " + e.path("type").asText() + " " + e.path("step").asText()).toList());
        assertThat(events).as("each event as audited, without the chain's prev and hash")
                .isEqualTo(audited.stream().map(JsonOutputIT::withoutChain).toList());
    }

    private static JsonNode withoutChain(JsonNode audited) {
        ObjectNode copy = ((ObjectNode) audited).deepCopy();
        copy.remove("prev");
        copy.remove("hash");
        return copy;
    }

    @Test
    void stepOutputArrivesAsItsOwnLinesNamingStepAndStream() {
        Cli.Result r = Cli.in(home).run("run", e2e("fails.yaml"), "-p", "dir=" + home, "--output", "json");

        List<JsonNode> output = r.stdout().lines().map(AuditLog::parse)
                .filter(n -> n.path("type").asText().equals("step.output")).toList();
        assertThat(output).extracting(n -> n.path("step").asText() + " " + n.path("stream").asText() + " " + n.path("line").asText())
                .contains("prepare stdout preparing", "migrate stderr disk full on /var/lib/db");
        JsonNode failed = r.stdout().lines().map(AuditLog::parse)
                .filter(n -> n.path("type").asText().equals("step.finished") && n.path("step").asText().equals("migrate"))
                .findFirst().orElseThrow();
        assertThat(failed.path("data").path("outcome").asText()).isEqualTo("failed");
        assertThat(failed.path("data").path("exit_code").asInt()).isEqualTo(3);
        assertThat(failed.path("data").path("message").asText()).contains("disk full");
    }

    @Test
    void aGateDeniedWithJsonOutputIsAnEventAndExitsThree() {
        Cli.Result r = Cli.in(home).run("run", e2e("gated.yaml"), "-p", "dir=" + home, "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        List<JsonNode> lines = r.stdout().lines().map(AuditLog::parse).toList();
        assertThat(lines).extracting(n -> n.path("type").asText()).contains("gate.asked", "gate.denied");
    }

    @Test
    void aRunRefusedForABadParamSaysWhyInOneJsonLineAsWellAsOnStderr() {
        Cli cli = Cli.in(home);
        Cli.Result r = cli.run("run", e2e("params.yaml"), "-p", "dir=" + home, "-p", "who=ann", "-p", "count=many", "--output", "json");

        JsonNode refused = refusal(r, 2);
        assertThat(refused.path("message").asText()).contains("'many' is not an integer").isEqualTo(r.stderr().strip());
        assertThat(refused.has("diagnostics")).as("one problem: its message says it all").isFalse();
        assertThat(cli.state()).as("the state directory").doesNotExist();
    }

    @Test
    void aRunRefusedForAnUnknownRunbookOrOptionSaysWhyInJson() {
        Cli.Result unknown = Cli.in(home).run("run", "no-such-runbook", "--output", "json");
        assertThat(refusal(unknown, 2).path("message").asText()).contains("no runbook 'no-such-runbook'")
                .isEqualTo(unknown.stderr().strip());

        Cli.Result option = Cli.in(home).run("run", e2e("succeeds.yaml"), "--output", "json", "--yse");
        assertThat(refusal(option, 2).path("message").asText()).isEqualTo("runbook: error: unknown option: '--yse'")
                .isEqualTo(option.stderr().lines().findFirst().orElseThrow());
        assertThat(home.resolve("done")).doesNotExist();
    }

    @Test
    void anInvalidRunbookWithJsonOutputListsEveryDiagnosticAsStderrDoes() {
        Cli.Result r = Cli.in(home).run("run", e2e("invalid.yaml"), "--output", "json");

        JsonNode refused = refusal(r, 2);
        assertThat(refused.path("message").asText()).endsWith("invalid.yaml:10:5: error: unknown key 'tiemout' in a step (did you mean 'timeout'?)");
        assertThat(refused.path("diagnostics")).extracting(JsonNode::asText).containsExactlyElementsOf(r.stderr().lines().toList());
        assertThat(r.stderr().lines()).hasSize(2);
    }

    @Test
    void aRunRefusedForASecretParamKeepsTheSecretOutOfTheJsonLine() throws IOException {
        Path runbook = Files.writeString(home.resolve("pin.yaml"), """
                name: pin
                params:
                  pin: {type: string, secret: true, pattern: "^[0-9]+$"}
                steps:
                  - id: use
                    run: "true"
                """);

        Cli.Result r = Cli.in(home).run("run", runbook.toString(), "-p", "pin=canary-4711", "--output", "json");

        assertThat(refusal(r, 2).path("message").asText()).isEqualTo(r.stderr().strip()).contains("param 'pin'").contains("invalid value");
        assertThat(r.stdout() + r.stderr()).doesNotContain("canary-4711");
    }

    @Test
    void aRunThatCannotWriteItsAuditTrailSaysWhyInJsonWithExitCodeOne() {
        Cli.Result r = Cli.in(home).withEnv("RUNBOOK_STATE", "/dev/null/state").run("run", e2e("succeeds.yaml"), "-p", "dir=" + home,
                "--output", "json");

        assertThat(refusal(r, 1).path("message").asText()).contains("/dev/null/state").isEqualTo(r.stderr().strip());
        assertThat(home.resolve("done")).doesNotExist();
    }

    @Test
    void aRefusalWithTextOutputOrAFailedRunWithJsonOutputHasNoRefusedLine() {
        Cli.Result text = Cli.in(home).run("run", e2e("params.yaml"), "-p", "dir=" + home, "-p", "who=ann", "-p", "count=many");
        assertThat(text.exitCode()).as(text.toString()).isEqualTo(2);
        assertThat(text.stdout()).isEmpty();

        Cli.Result failed = Cli.in(home).run("run", e2e("fails.yaml"), "-p", "dir=" + home, "--output", "json");
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.stdout().lines().map(AuditLog::parse)).extracting(n -> n.path("type").asText()).doesNotContain("run.refused");
    }

    /** stdout is exactly one JSON line, the run.refused event with the exit code the process exited with. */
    static JsonNode refusal(Cli.Result r, int exitCode) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
        assertThat(r.stdout().lines()).as(r.toString()).hasSize(1);
        JsonNode refused = AuditLog.parse(r.stdout().strip());
        assertThat(refused.path("type").asText()).isEqualTo("run.refused");
        assertThat(refused.path("exit_code").asInt()).isEqualTo(exitCode);
        return refused;
    }
}
