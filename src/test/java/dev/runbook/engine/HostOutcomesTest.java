package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.model.Target;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-host run counts each host by what happened to it: one that max_failures kept from starting
 * is not started (and audited as skipped where it was held back), one the run left partway is not finished.
 */
class HostOutcomesTest {
    @TempDir
    Path dir;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(dir);
        List<Target> web = IntStream.rangeClosed(1, 5)
                .mapToObj(i -> new Target("w" + i, "w" + i, 0, null, Map.of("ansible_connection", "local"))).toList();
        h.hosts = pattern -> pattern.equals("web") ? web : web.stream().filter(t -> t.name().equals(pattern)).toList();
    }

    @Test
    void hostsThatMaxFailuresKeptFromStartingAreNotStartedAndHostsLeftPartwayAreNotFinished() throws Exception {
        RunOutcome o = h.run("""
                targets: web
                max_parallel: 1
                max_failures: 1
                steps:
                  - id: a
                    run: test {{ host.name }} != w2 && test {{ host.name }} != w3
                  - id: b
                    run: echo b
                finally:
                  - id: report
                    run: "echo {{ steps.a.hosts['w5'].outcome }}: {{ steps.a.hosts['w5'].message }}"
                    targets: w1
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(o.hostCounts()).isEqualTo(Map.of("failed", 2, "not finished", 1, "not started", 2));
        List<AuditEvent> skipped = h.ofType("step.skipped");
        assertThat(skipped).extracting(AuditEvent::host).containsExactly("w4", "w5");
        assertThat(skipped).allSatisfy(e -> {
            assertThat(e.step()).isEqualTo("a");
            assertThat(e.data()).containsEntry("reason", "not started: more than max_failures (1) hosts failed");
        });
        assertThat(h.output).containsExactly("report: skipped: not started: more than max_failures (1) hosts failed");
        assertThat(o.counts()).containsEntry("ok", 2).containsEntry("failed", 2).containsEntry("skipped", 2);
        AuditEvent end = h.ofType("run.finished").get(0);
        assertThat(end.data().get("hosts")).isEqualTo(Map.of("failed", 2, "not finished", 1, "not started", 2));
    }

    @Test
    void serialHostsAfterTooManyFailuresAreNotStartedAndAuditedAtTheFirstStep() throws Exception {
        RunOutcome o = h.run("""
                targets: web
                strategy: serial
                max_failures: 1
                steps:
                  - id: a
                    run: echo a
                  - id: b
                    run: test {{ host.name }} != w2 && test {{ host.name }} != w3
                """);

        assertThat(o.hostCounts()).isEqualTo(Map.of("ok", 1, "failed", 2, "not started", 2));
        assertThat(h.ofType("step.skipped")).extracting(e -> e.host() + " " + e.step() + ": " + e.data().get("reason"))
                .containsExactly("w4 a: not started: more than max_failures (1) hosts failed",
                        "w5 a: not started: more than max_failures (1) hosts failed");
    }

    @Test
    void hostsThatWentThroughEveryStepAreOkWhenAnotherHostStopsTheRunAtTheLastStep() throws Exception {
        RunOutcome o = h.run("""
                targets: web
                steps:
                  - id: a
                    run: echo a
                  - id: skipped
                    when: host.name == 'none'
                    run: echo never
                  - id: last
                    run: test {{ host.name }} != w3
                """);

        assertThat(o.hostCounts()).isEqualTo(Map.of("ok", 4, "failed", 1));
    }

    @Test
    void hostsTheRunStoppedBeforeTheirLastStepAreNotFinished() throws Exception {
        RunOutcome o = h.run("""
                targets: web
                steps:
                  - id: a
                    run: test {{ host.name }} != w3
                  - id: b
                    run: echo b
                """);

        assertThat(o.hostCounts()).isEqualTo(Map.of("not finished", 4, "failed", 1));
    }

    @Test
    void aHostStoppedAtAGateThatWasNotApprovedIsNotFinishedNotFailed() throws Exception {
        h.gate = r -> Gate.Decision.deny("tester", "rule", "no terminal");

        RunOutcome o = h.run("""
                targets: web
                steps:
                  - id: look
                    run: echo look
                  - id: approve
                    confirm: Restart?
                  - id: restart
                    run: echo restart
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.DENIED);
        assertThat(o.hostCounts()).isEqualTo(Map.of("not finished", 5));
    }

    @Test
    void aGateNotApprovedOnOneHostStopsThatHostAndTheOthersGoOn() throws Exception {
        h.gate = r -> r.host().equals("w2") ? Gate.Decision.deny("tester", "tty", "answered no") : Gate.Decision.approve("tester", "tty");

        RunOutcome o = h.run("""
                targets: web
                steps:
                  - id: approve
                    confirm: Restart on {{ host.name }}?
                    when: host.name != 'w5'
                  - id: restart
                    run: echo restart
                finally:
                  - id: report
                    run: "echo {{ steps.approve.outcome }}"
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.DENIED);
        assertThat(o.message()).isEqualTo("stopped at a gate that was not approved on w2");
        assertThat(h.ofType("step.started").stream().filter(e -> "restart".equals(e.step())).map(AuditEvent::host))
                .containsExactlyInAnyOrder("w1", "w3", "w4", "w5");
        assertThat(h.ofType("step.finished").stream().filter(e -> "report".equals(e.step())).map(AuditEvent::host))
                .as("finally runs on the stopped host too").hasSize(5);
        assertThat(o.hostCounts()).isEqualTo(Map.of("ok", 4, "not finished", 1));
    }

    @Test
    void afterAGateWasNotApprovedInABatchNoNewBatchStarts() throws Exception {
        h.gate = r -> r.host().equals("w2") ? Gate.Decision.deny("tester", "tty", "answered no") : Gate.Decision.approve("tester", "tty");

        RunOutcome o = h.run("""
                targets: web
                batch: 2
                steps:
                  - id: drain
                    run: echo drain
                  - id: approve
                    confirm: Upgrade {{ host.name }}?
                  - id: upgrade
                    run: echo upgrade
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.DENIED);
        assertThat(h.ofType("step.started").stream().map(e -> e.host() + ":" + e.step()))
                .containsExactlyInAnyOrder("w1:drain", "w2:drain", "w1:approve", "w1:upgrade");
        assertThat(o.hostCounts()).isEqualTo(Map.of("ok", 1, "not finished", 1, "not started", 3));
    }

    @Test
    void aGateNotApprovedOnAStepWithItsOwnTargetsStopsTheRun() throws Exception {
        h.gate = r -> Gate.Decision.deny("tester", "tty", "answered no");

        RunOutcome o = h.run("""
                targets: web
                steps:
                  - id: approve
                    confirm: Go on with the whole fleet?
                    targets: w1
                  - id: change
                    run: echo change
                """);

        assertThat(o.status()).isEqualTo(RunOutcome.Status.DENIED);
        assertThat(h.ran("change")).isFalse();
    }
}
