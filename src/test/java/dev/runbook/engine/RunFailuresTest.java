package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can only go wrong once a run has started (an expression that fails when evaluated, a step's
 * hosts, a called runbook's params) fails a step like any other failure: the run's handlers and
 * {@code finally} run, and the run ends audited, instead of the run dying mid-way.
 */
class RunFailuresTest {
    @TempDir
    Path dir;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(dir);
    }

    @Test
    void aVarThatCannotBeEvaluatedFailsTheStepThatUsesItAndFinallyStillRuns() throws Exception {
        RunOutcome o = h.run("""
                vars:
                  ratio: "{{ 10 / int('0') }}"
                steps:
                  - id: report
                    run: echo "{{ vars.ratio }}"
                  - id: never
                    run: echo never
                finally:
                  - id: cleanup
                    run: echo cleaned
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.outcome("report")).isEqualTo("failed");
        assertThat(h.ran("never")).isFalse();
        assertThat(h.ofType("step.started")).extracting(AuditEvent::step).doesNotContain("report");
        assertThat(h.ofType("run.finished")).hasSize(1);
        assertThat(o.message()).startsWith("step 'report' failed: ").contains(":2:");
    }

    @Test
    void aStepWhoseHostPatternMatchesNothingFailsAndTheRunGoesToFinally() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: first
                    run: echo first
                  - id: elsewhere
                    run: echo there
                    targets: no-such-group
                finally:
                  - id: cleanup
                    run: echo cleaned
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.output).containsExactly("first: first", "cleanup: cleaned");
        assertThat(String.valueOf(h.finished("elsewhere").data().get("message"))).contains("targets: ").contains("no-such-group")
                .doesNotContain("runbook:0:0");
        assertThat(h.ofType("run.finished")).hasSize(1);
    }

    @Test
    void aPlanRendersAStepThatNamesAnEarlierStepByAnExpressionAsWaitingOnItNotAsAnError() throws Exception {
        RunOutcome o = h.run("""
                params:
                  which: {type: string, default: first}
                steps:
                  - id: first
                    run: echo a,b,c
                  - id: uses-it
                    run: echo "{{ len(split(steps[params.which].stdout, ',')) }}"
                """, Map.of(), true);

        PlanEntry uses = o.plan().get(1);
        assertThat(uses.error()).isNull();
        assertThat(uses.rendered()).contains("<len(split(steps[params.which].stdout, ','))>");
    }

    @Test
    void aPlanMarksTheStepWhoseHostPatternMatchesNothing() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: first
                    run: echo first
                  - id: elsewhere
                    run: echo there
                    targets: no-such-group
                """, Map.of(), true);

        assertThat(o.plan()).extracting(PlanEntry::stepId).containsExactly("first", "elsewhere");
        assertThat(o.plan().get(1).error()).contains(":6:14: targets: ").contains("no-such-group");
    }

    @Test
    void aCalledRunbookRefusingItsParamsFailsTheCallingStepAndTheCallersFinallyRuns() throws Exception {
        h.write("scale.yaml", """
                params:
                  replicas: int
                steps:
                  - id: apply
                    run: echo scaling to {{ params.replicas }}
                """);
        RunOutcome o = h.run("""
                params:
                  count: {type: string, default: three}
                steps:
                  - id: scale
                    runbook: scale.yaml
                    params: {replicas: "{{ params.count }}"}
                  - id: after
                    run: echo never
                finally:
                  - id: cleanup
                    run: echo cleaned
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.ran("scale/apply")).isFalse();
        assertThat(h.output).containsExactly("cleanup: cleaned");
        assertThat(String.valueOf(h.finished("scale").data().get("message"))).contains("scale.yaml:2:").contains("'three' is not an integer");
        assertThat(h.ofType("run.finished")).hasSize(1);
    }

    @Test
    void aCalledRunbookMissingASecretAlsoNamesItsRefusedParams() throws Exception {
        h.write("deploy.yaml", """
                params:
                  replicas: int
                secrets:
                  token: env:RUNBOOK_TEST_MISSING_DEPLOY_TOKEN
                steps:
                  - id: apply
                    run: echo deploying
                """);
        RunOutcome o = h.run("""
                steps:
                  - id: deploy
                    runbook: deploy.yaml
                    params: {replicas: "{{ 'th' + 'ree' }}"}
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.ran("deploy/apply")).isFalse();
        assertThat(String.valueOf(h.finished("deploy").data().get("message")))
                .contains("deploy.yaml:2:3: param 'replicas' (int): 'three' is not an integer")
                .contains("deploy.yaml:4:10: secret 'token': environment variable RUNBOOK_TEST_MISSING_DEPLOY_TOKEN is not set");
    }

    @Test
    void aFailureARescueHandledIsNotTheOneTheRunIsBlamedFor() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: guarded
                    block:
                      - id: risky
                        run: exit 1
                    rescue:
                      - id: recover
                        run: echo recovered
                  - id: real
                    run: exit 5
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(o.message()).isEqualTo("step 'real' failed: exit code 5");
        assertThat(o.counts()).containsEntry("failed (rescued)", 1).containsEntry("failed", 1);
    }

    @Test
    void aPlanShowsTheStepThatWouldFailWithItsErrorAndWhatGovernsEachStep() throws Exception {
        RunOutcome o = h.run("""
                vars:
                  sizes: [1, 2, 3]
                steps:
                  - id: first
                    run: echo one
                    check: test -s /etc/hostname
                    retry: {attempts: 3, delay: 2s, backoff: 2}
                    timeout: 30s
                    on_failure: continue
                  - id: broken
                    run: echo "{{ vars.sizes[10] }}"
                  - id: third
                    run: echo three
                    on_failure:
                      - id: handler
                        run: echo handling
                """, Map.of(), true);

        List<PlanEntry> plan = o.plan();
        // a plan shows a step's on_failure steps too, as the steps that run only if it fails
        assertThat(plan).extracting(PlanEntry::stepId).containsExactly("first", "broken", "third", "handler");
        assertThat(plan.get(3).section()).isEqualTo("on_failure");
        assertThat(plan.get(0).details()).containsExactly("then checks: test -s /etc/hostname",
                "retry: up to 3 attempts, 2s apart, backoff ×2", "timeout: 30s", "on failure: continue");
        assertThat(plan.get(0).error()).isNull();
        assertThat(plan.get(1).error()).contains(":11:").contains("vars.sizes[10]");
        assertThat(plan.get(2).details()).containsExactly("on failure: handler, then go on if they succeed");
    }
}
