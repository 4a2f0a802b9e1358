package dev.runbook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.engine.Engine;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A run without an end event is running while its process lives and died once it is gone. */
class HistoryTest {
    private static final AuditEvent.RunbookRef RUNBOOK = new AuditEvent.RunbookRef("deploy", "/srv/deploy.yaml", "ab".repeat(32));

    private static AuditEvent event(String runId, long seq, Instant ts, String type, Map<String, Object> data) {
        return new AuditEvent(AuditEvent.VERSION, runId, seq, ts.toString(), type, RUNBOOK, null, null,
                new AuditEvent.Actor("ops", "tty"), data, null, null);
    }

    private static AuditEvent started(String runId, Instant ts, Long pid, String machine) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("targets", List.of("localhost"));
        if (pid != null) {
            d.put("pid", pid);
            d.put("machine", machine);
        }
        return event(runId, 1, ts, "run.started", d);
    }

    private static String status(AuditEvent... events) {
        return History.of(List.of(events)).runs(null, 10).get(0).status();
    }

    private static long deadPid() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return p.pid();
    }

    @Test
    void aRunWhoseProcessLivesIsRunning() {
        AuditEvent start = started("r1", Instant.now(), ProcessHandle.current().pid(), Engine.hostName());

        assertThat(status(start, event("r1", 2, Instant.now(), "step.started", Map.of()))).isEqualTo("running");
    }

    @Test
    void aRunWhoseProcessIsGoneDied() throws Exception {
        AuditEvent start = started("r1", Instant.now(), deadPid(), Engine.hostName());

        assertThat(status(start, event("r1", 2, Instant.now(), "step.started", Map.of()))).isEqualTo("died");
    }

    @Test
    void aPidNowHeldByAProcessStartedAfterTheRunIsNotTheRunsProcess() {
        // This JVM started before the test ran; a run recorded a minute before this JVM with its pid cannot be ours.
        Instant jvmStart = ProcessHandle.current().info().startInstant().orElseThrow();
        AuditEvent start = started("r1", jvmStart.minusSeconds(60), ProcessHandle.current().pid(), Engine.hostName());

        assertThat(status(start)).isEqualTo("died");
    }

    @Test
    void aRunOfAnotherMachineOrWithoutAPidCannotBeJudgedAndStaysRunning() throws Exception {
        assertThat(status(started("r1", Instant.now(), deadPid(), "elsewhere.example"))).isEqualTo("running");
        assertThat(status(started("r2", Instant.now(), null, null))).isEqualTo("running");
    }

    @Test
    void aRunWhoseLockALaterRunTookOverDiedEvenWhenItsMachineIsUnknown() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        AuditEvent first = started("r1", t, 4242L, "elsewhere.example");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("targets", List.of("localhost"));
        d.put("lock_taken_over_from", Map.of("run_id", "r1", "pid", 4242L));
        AuditEvent second = event("r2", 1, t.plusSeconds(30), "run.started", d);
        AuditEvent secondEnd = event("r2", 2, t.plusSeconds(31), "run.finished", Map.of("status", "succeeded", "duration_ms", 900));

        List<History.Run> runs = History.of(List.of(first, second, secondEnd)).runs(null, 10);

        assertThat(runs).extracting(History.Run::runId, History.Run::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("r2", "succeeded"), org.assertj.core.groups.Tuple.tuple("r1", "died"));
    }

    @Test
    void anEndedRunKeepsItsRecordedStatus() throws Exception {
        Instant t = Instant.now();
        AuditEvent start = started("r1", t, deadPid(), Engine.hostName());

        assertThat(status(start, event("r1", 2, t, "run.aborted", Map.of("status", "interrupted")))).isEqualTo("interrupted");
        assertThat(status(start, event("r1", 2, t, "run.finished", Map.of("status", "failed")))).isEqualTo("failed");
    }
}
