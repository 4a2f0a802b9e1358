package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.ChainVerifier;
import dev.runbook.model.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineTest {
    @TempDir
    Path dir;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(dir);
    }

    @Test
    void runsStepsInOrderAndExposesTheirResults() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: first
                    run: echo one
                  - id: second
                    run: echo "{{ steps.first.stdout }}-two"
                  - id: third
                    assert: steps.second.stdout == 'one-two' && steps.first.exit_code == 0
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.output).containsExactly("first: one", "second: one-two");
        assertThat(o.counts()).containsEntry("ok", 3);
    }

    @Test
    void skipsAStepWhenItsConditionIsFalseAndAuditsWhy() throws Exception {
        h.run("""
                steps:
                  - id: probe
                    run: exit 3
                    on_failure: continue
                  - id: fix
                    when: "!steps.probe.ok"
                    run: echo fixing
                  - id: celebrate
                    when: steps.probe.ok
                    run: echo never
                """);
        assertThat(h.ran("fix")).isTrue();
        assertThat(h.ran("celebrate")).isFalse();
        AuditEvent skipped = h.ofType("step.skipped").get(0);
        assertThat(skipped.step()).isEqualTo("celebrate");
        assertThat(skipped.data().get("reason")).asString().contains("steps.probe.ok");
        assertThat(h.ofType("condition.evaluated")).extracting(e -> e.data().get("value")).containsExactly(true, false);
    }

    @Test
    void aFailedStepAbortsTheRunButFinallyStillRuns() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: boom
                    run: echo bad >&2; exit 4
                  - id: after
                    run: echo never
                finally:
                  - id: cleanup
                    run: echo cleaned
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.finished("boom").data()).containsEntry("exit_code", 4).containsEntry("message", "exit code 4: bad");
        assertThat(h.ran("after")).isFalse();
        assertThat(h.output).contains("cleanup: cleaned");
    }

    @Test
    void continueToleratesAFailureAndHandlersDecideTheRun() throws Exception {
        RunOutcome tolerated = h.run("""
                steps:
                  - id: flaky
                    run: exit 1
                    on_failure: continue
                  - id: next
                    run: "true"
                """);
        assertThat(tolerated.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(tolerated.counts()).containsEntry("failed (tolerated)", 1);

        RunOutcome handled = h.run("""
                steps:
                  - id: broken
                    run: exit 1
                    on_failure:
                      - id: repair
                        run: echo repaired
                  - id: next
                    run: "true"
                """);
        assertThat(handled.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.ran("next")).isTrue();

        RunOutcome unhandled = h.run("""
                steps:
                  - id: broken2
                    run: exit 1
                    on_failure:
                      - id: repair2
                        run: exit 2
                  - id: next2
                    run: "true"
                """);
        assertThat(unhandled.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.ran("next2")).isFalse();
    }

    @Test
    void retriesUntilTheCheckPassesWithBackoff() throws Exception {
        Path counter = dir.resolve("count");
        RunOutcome o = h.run("""
                steps:
                  - id: converge
                    run: echo x >> %s
                    check: test "$(wc -l < %s)" -ge 3
                    retry: {attempts: 5, delay: 10ms, backoff: 2}
                """.formatted(counter, counter));
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(Files.readAllLines(counter)).hasSize(3);
        assertThat(h.ofType("step.attempt")).extracting(e -> e.data().get("next_delay_ms")).containsExactly(10L, 20L);
        assertThat(h.finished("converge").data()).containsEntry("attempts", 3);
    }

    @Test
    void retryUntilSeesTheAttemptsResult() throws Exception {
        Path counter = dir.resolve("n");
        RunOutcome o = h.run("""
                steps:
                  - id: count
                    run: echo x >> %s; wc -l < %s
                    retry: {attempts: 4, delay: 1ms, until: "int(result.stdout) >= 2"}
                """.formatted(counter, counter));
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(Files.readAllLines(counter)).hasSize(2);
    }

    @Test
    void aLoopRunsOncePerItemAndIsOkOnlyWhenAllAre() throws Exception {
        RunOutcome o = h.run("""
                vars:
                  names: [a, b, c]
                steps:
                  - id: each
                    run: echo {{ loop.index }}:{{ item }}; test {{ item }} != b
                    loop: "{{ vars.names }}"
                    on_failure: continue
                  - id: summary
                    assert: "!steps.each.ok && len(steps.each.items) == 3 && steps.each.items[2].ok"
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.output).containsExactly("each: 0:a", "each: 1:b", "each: 2:c");
    }

    private static final String EMPTY_LOOP = """
            params:
              hosts: {type: list, default: []}
            steps:
              - id: restart
                run: echo restart {{ item }}
                loop: "{{ params.hosts }}"
              - id: seen
                assert: "!steps.restart.ok && steps.restart.skipped && steps.restart.outcome == 'skipped'"
                message: "restart: {{ steps.restart.outcome }}, {{ steps.restart.message }}"
              - id: after
                assert: steps.restart.ok
            """;

    @Test
    void aLoopOverAnEmptyListIsSkippedAuditedAndNotOk() throws Exception {
        RunOutcome o = h.run(EMPTY_LOOP);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(o.message()).isEqualTo("step 'after' failed: assertion failed: steps.restart.ok");
        assertThat(h.outcome("seen")).isEqualTo("ok");
        assertThat(h.ran("restart")).isFalse();
        AuditEvent skipped = h.ofType("step.skipped").get(0);
        assertThat(skipped.step()).isEqualTo("restart");
        assertThat(skipped.data()).containsEntry("reason", "loop over an empty list");
        assertThat(o.counts()).containsEntry("skipped", 1).containsEntry("ok", 1).containsEntry("failed", 1);
    }

    @Test
    void aPlanShowsALoopOverAKnownEmptyListAsSkipped() throws Exception {
        RunOutcome o = h.run(EMPTY_LOOP, Map.of(), true);

        PlanEntry restart = o.plan().get(0);
        assertThat(restart.stepId()).isEqualTo("restart");
        assertThat(restart.decided()).isFalse();
        assertThat(restart.note()).isEqualTo("skipped: loop over an empty list");
        assertThat(restart.rendered()).isEqualTo("for each item of {{ params.hosts }}");
    }

    @Test
    void aBlockRescuesAFailureAndAlwaysRunsItsTidyUp() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: guarded
                    block:
                      - id: risky
                        run: exit 1
                      - id: skipped-by-failure
                        run: echo never
                    rescue:
                      - id: recover
                        run: echo recovered
                    always:
                      - id: tidy
                        run: echo tidied
                  - id: after
                    assert: steps.guarded.ok && steps.recover.ok
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.output).containsExactly("recover: recovered", "tidy: tidied");
    }

    @Test
    void aCalledRunbookGetsItsParamsAndItsStepsAreAudited() throws Exception {
        h.write("greet.yaml", """
                params:
                  who: string
                steps:
                  - id: hello
                    run: echo hello {{ params.who }}
                """);
        RunOutcome o = h.run("""
                steps:
                  - id: call
                    runbook: greet
                    params: {who: "{{ 'wor' + 'ld' }}"}
                  - id: after
                    assert: steps.call.ok
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.output).containsExactly("call/hello: hello world");
        assertThat(h.finished("call/hello").runbook().name()).isEqualTo("greet");
    }

    @Test
    void aDeniedGateStopsTheRunRunsFinallyAndIsAudited() throws Exception {
        h.gate = r -> Gate.Decision.deny("tester", "rule", "no terminal");
        RunOutcome o = h.run("""
                steps:
                  - id: gate
                    confirm: Restart everything?
                  - id: restart
                    run: echo restarting
                finally:
                  - id: report
                    run: echo reported
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.DENIED);
        assertThat(o.status().exitCode()).isEqualTo(3);
        assertThat(h.ran("restart")).isFalse();
        assertThat(h.output).containsExactly("report: reported");
        AuditEvent denied = h.ofType("gate.denied").get(0);
        assertThat(denied.actor()).isEqualTo(new AuditEvent.Actor("tester", "rule"));
    }

    @Test
    void aGateOverTheSameRenderedPromptIsAskedOnce() throws Exception {
        int[] asked = {0};
        h.gate = r -> {
            asked[0]++;
            return Gate.Decision.approve("tester", "tty");
        };
        h.run("""
                steps:
                  - id: each
                    run: echo {{ item }}
                    loop: [a, b, c]
                    confirm: Touch all three?
                """);
        assertThat(asked[0]).isEqualTo(1);
    }

    @Test
    void aTimeoutKillsTheStepAndFailsIt() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: slow
                    run: sleep 30
                    timeout: 300ms
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.outcome("slow")).isEqualTo("timed out");
        assertThat(h.finished("slow").data()).containsEntry("message", "timed out after 300 ms; its processes were killed");
        assertThat((Long) h.finished("slow").data().get("duration_ms")).isLessThan(10_000L);
    }

    @Test
    void theRunDeadlineStopsTheRunningStepAndFinallyRuns() throws Exception {
        RunOutcome o = h.run("""
                deadline: 300ms
                steps:
                  - id: slow
                    run: sleep 30
                  - id: never
                    run: "true"
                finally:
                  - id: report
                    run: echo after deadline
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(o.message()).contains("deadline");
        assertThat(h.ran("never")).isFalse();
        assertThat(h.output).contains("report: after deadline");
    }

    @Test
    void parsedJsonOutputIsAddressable() throws Exception {
        RunOutcome o = h.run("""
                steps:
                  - id: df
                    run: "echo '{\\"disks\\": [{\\"use\\": 91}, {\\"use\\": 12}]}'"
                    parse: json
                  - id: alert
                    assert: max([steps.df.output.disks[0].use, steps.df.output.disks[1].use]) > 90
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
    }

    @Test
    void paramsAreTypedAndBadOnesFailBeforeAnythingRuns() throws Exception {
        Path marker = dir.resolve("marker");
        String yaml = """
                params:
                  count: int
                  mode: {type: enum, values: [safe, full], default: safe}
                steps:
                  - id: touch
                    run: touch %s
                """.formatted(marker);
        assertThatThrownBy(() -> h.run(yaml, Map.of("count", "many"), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'many' is not an integer");
        assertThatThrownBy(() -> h.run(yaml, Map.of(), false)).hasMessageContaining("param 'count' is required");
        assertThatThrownBy(() -> h.run(yaml, Map.of("count", "1", "mdoe", "full"), false))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.diagnostics().get(0).hint()).contains("mode"));
        assertThatThrownBy(() -> h.run(yaml, Map.of("count", "1", "mode", "all"), false)).hasMessageContaining("not one of safe, full");
        assertThat(marker).doesNotExist();
        assertThat(h.events).isEmpty();
    }

    @Test
    void aMissingSecretIsRefusedBeforeAnythingRunsWithoutShowingValues() throws Exception {
        assertThatThrownBy(() -> h.run("""
                secrets:
                  token: env:RUNBOOK_TEST_MISSING_TOKEN
                steps:
                  - id: a
                    run: "true"
                """)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("environment variable RUNBOOK_TEST_MISSING_TOKEN is not set");
        assertThat(h.events).isEmpty();
    }

    @Test
    void secretsAreMaskedInOutputEventsAndResults() throws Exception {
        h.env.put("CANARY", "canary-7f3e9a");
        RunOutcome o = h.run("""
                secrets:
                  token: env:CANARY
                steps:
                  - id: leak
                    run: echo the token is {{ secrets.token }}; echo {{ secrets.token }} >&2; exit 1
                    on_failure: continue
                  - id: compare
                    assert: steps.leak.stdout == 'the token is ****'
                """);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.output).contains("leak: the token is ****");
        assertThat(String.join("\n", h.output)).doesNotContain("canary-7f3e9a");
        assertThat(h.events.toString()).doesNotContain("canary-7f3e9a");
        assertThat(Files.readString(dir.resolve("state/audit.jsonl"))).doesNotContain("canary-7f3e9a").contains("****");
    }

    @Test
    void aSecretStraddlingTheLineLimitLeavesNoPartOfItInOutputOrAudit() throws Exception {
        String canary = "canary-5d1b2c-straddle";
        h.env.put("CANARY", canary);
        // the secret starts 10 bytes before the 64 KiB line limit: only its first 10 characters are in the line shown
        RunOutcome o = h.run("""
                secrets:
                  token: env:CANARY
                steps:
                  - id: leak
                    run: head -c 65526 /dev/zero | tr '\\0' a; printf '%%s\\n' {{ secrets.token }}
                """.formatted());
        assertThat(o.status()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        String shown = String.join("\n", h.output);
        assertThat(shown).contains("a****" + dev.runbook.exec.OutputCapture.CUT_END).doesNotContain(canary.substring(0, 4));
        assertThat(Files.readString(dir.resolve("state/audit.jsonl"))).doesNotContain(canary.substring(0, 4));
    }

    @Test
    void everyEventIsChainedAndTheAuditVerifies() throws Exception {
        h.run("""
                steps:
                  - id: a
                    run: "true"
                """);
        Path audit = dir.resolve("state/audit.jsonl");
        ChainVerifier.Report r = ChainVerifier.verify(audit);
        assertThat(r.intact()).isTrue();
        assertThat(r.events()).isEqualTo(h.events.size());
        assertThat(h.events).extracting(AuditEvent::type).containsExactly("run.started", "step.started", "step.finished", "run.finished");
        assertThat(h.events).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(h.ofType("step.started").get(0).data()).containsEntry("mutating", true);
        assertThat(Files.getPosixFilePermissions(audit)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void aDryRunChangesNothingAndSaysWhatWaitsOnEarlierResults() throws Exception {
        Path marker = dir.resolve("marker");
        RunOutcome o = h.run("""
                steps:
                  - id: probe
                    run: test -e /nonexistent
                    readonly: true
                  - id: fix
                    when: "!steps.probe.ok"
                    run: touch %s
                    confirm: Fix it?
                  - id: always
                    when: "1 == 1"
                    run: echo {{ steps.probe.stdout }}
                """.formatted(marker), Map.of(), true);
        assertThat(marker).doesNotExist();
        assertThat(h.events).noneMatch(e -> e.type().equals("step.started"));
        assertThat(dir.resolve("state/audit.jsonl")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(Files.size(p)).isZero());
        List<PlanEntry> plan = o.plan();
        assertThat(plan).extracting(PlanEntry::stepId).containsExactly("probe", "fix", "always");
        assertThat(plan.get(1).decided()).isNull();
        assertThat(plan.get(1).dependsOn()).containsExactly("probe");
        assertThat(plan.get(1).gate()).isEqualTo("Fix it?");
        assertThat(plan.get(1).rendered()).isEqualTo("touch " + marker);
        assertThat(plan.get(2).decided()).isTrue();
        assertThat(plan.get(2).rendered()).isEqualTo("echo <steps.probe.stdout>");
    }

    @Test
    void aSecondRunOfTheSameRunbookIsLockedOut() throws Exception {
        Path f = h.write("long.yaml", """
                steps:
                  - id: hold
                    run: sleep 2
                """);
        Thread first = new Thread(() -> h.run(f, Map.of(), false, new RunControl()));
        first.start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (h.events.stream().noneMatch(e -> e.type().equals("step.started")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThatThrownBy(() -> h.run(f, Map.of(), false, new RunControl()))
                .isInstanceOf(LockedException.class).hasMessageContaining("already running").hasMessageContaining("pid " + ProcessHandle.current().pid());
        first.join();
    }

    @Test
    void interruptingKillsTheStepRunsFinallyAndAbortsTheRun() throws Exception {
        Path f = h.write("interrupt.yaml", """
                steps:
                  - id: long
                    run: sleep 60
                finally:
                  - id: cleanup
                    run: echo cleaned up
                """);
        RunControl control = new RunControl();
        Thread t = new Thread(() -> {
            try {
                while (h.events.stream().noneMatch(e -> e.type().equals("step.started"))) {
                    Thread.sleep(20);
                }
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            control.interrupt("SIGINT");
        });
        t.start();
        RunOutcome o = h.run(f, Map.of(), false, control);
        assertThat(o.status()).isEqualTo(RunOutcome.Status.INTERRUPTED);
        assertThat(o.status().exitCode()).isEqualTo(130);
        assertThat(h.outcome("long")).isEqualTo("cancelled");
        assertThat(h.output).contains("cleanup: cleaned up");
        assertThat(h.events.get(h.events.size() - 1).type()).isEqualTo("run.aborted");
    }
    /** Eight hosts on this machine, in an order that is neither alphabetical nor the order threads finish in. */
    private List<String> localHosts() {
        List<String> names = List.of("web08", "web03", "db01", "web05", "cache02", "web01", "db07", "web04");
        List<dev.runbook.model.Target> targets = names.stream()
                .map(n -> new dev.runbook.model.Target(n, n, 0, null, Map.of("ansible_connection", "local"))).toList();
        h.hosts = pattern -> targets;
        return names;
    }

    @Test
    void aPlanListsHostsInInventoryOrderEveryTime() throws Exception {
        List<String> hosts = localHosts();
        Path f = h.write("fan.yaml", """
                targets: all
                steps:
                  - id: first
                    run: echo {{ item }} on {{ host.name }}
                    loop: [a, b]
                  - id: second
                    run: echo second
                """);
        List<String> expected = new java.util.ArrayList<>();
        for (String step : List.of("first", "second")) {
            for (String host : hosts) {
                expected.add(step + "@" + host);
                if (step.equals("first")) {
                    expected.add(step + "@" + host);
                }
            }
        }
        for (int i = 0; i < 5; i++) {
            RunOutcome o = h.run(f, Map.of(), true, new RunControl());
            assertThat(o.plan()).extracting(e -> e.stepId() + "@" + e.host()).as("plan %d", i).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aPlanListsAStepSkippedForAnEmptyLoopInInventoryOrderToo() throws Exception {
        List<String> hosts = localHosts();
        Path f = h.write("empty.yaml", """
                targets: all
                steps:
                  - id: none
                    run: echo {{ item }} on {{ host.name }}
                    loop: []
                """);
        List<String> expected = hosts.stream().map(host -> "none@" + host).toList();
        for (int i = 0; i < 5; i++) {
            RunOutcome o = h.run(f, Map.of(), true, new RunControl());
            assertThat(o.plan()).extracting(e -> e.stepId() + "@" + e.host()).as("plan %d", i).containsExactlyElementsOf(expected);
            assertThat(o.plan()).allSatisfy(e -> assertThat(e.note()).isEqualTo("skipped: " + StepResult.EMPTY_LOOP));
        }
    }

    @Test
    void aStepsHostsAreListedInTheRunsOrderWhicheverFinishedFirst() throws Exception {
        localHosts();
        RunOutcome o = h.run("""
                targets: all
                steps:
                  - id: check
                    run: "sleep {{ host.name == 'web08' ? '0.3' : '0' }}"
                  - id: report
                    targets: db01
                    run: echo {{ join(keys(steps.check.hosts), ',') }}
                """);
        assertThat(o.status()).as(o.message()).isEqualTo(RunOutcome.Status.SUCCEEDED);
        assertThat(h.output).contains("report: web08,web03,db01,web05,cache02,web01,db07,web04");
    }
}
