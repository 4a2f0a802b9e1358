package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.model.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run over many hosts does when the runbook sets no fan-out: 32 hosts at once, and the first
 * failed host stops the run (max_failures 0); {@code max_failures: 100%} is Ansible's behaviour.
 * Local hosts, each step a real process.
 */
class FanOutDefaultsTest {
    @TempDir
    Path dir;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(dir);
        List<Target> fleet = IntStream.rangeClosed(1, 40)
                .mapToObj(i -> new Target("w%02d".formatted(i), "w" + i, 0, null, Map.of("ansible_connection", "local"))).toList();
        h.hosts = pattern -> pattern.equals("fleet") ? fleet : fleet.subList(0, 4);
    }

    @Test
    void aStepRunsOnAtMost32HostsAtOnceByDefault() throws Exception {
        RunOutcome o = h.run("""
                targets: fleet
                steps:
                  - id: timed
                    run: 'a=$(date +%s%N); sleep 1; echo $a $(date +%s%N)'
                """);

        assertThat(o.hostCounts()).isEqualTo(Map.of("ok", 40));
        assertThat(mostAtOnce("timed")).isLessThanOrEqualTo(32).isGreaterThan(1);
    }

    @Test
    void byDefaultTheFirstFailedHostStopsTheRunAndTheHostsNotYetStartedStayOut() throws Exception {
        // w01 fails once all 32 hosts of the first wave have started (however slowly 32 processes
        // start on a loaded machine), and the others run until it has failed, and a while after
        Path started = Files.createDirectories(dir.resolve("started"));
        Path failed = dir.resolve("w01-failed");
        RunOutcome o = h.run("""
                targets: fleet
                steps:
                  - id: change
                    run: "touch %2$s/{{ host.name }}; if [ {{ host.name }} = w01 ]; then until [ $(ls %2$s | wc -l) -ge 32 ]; do sleep 0.05; done; touch %1$s; exit 1; fi; until [ -f %1$s ]; do sleep 0.05; done; sleep 2"
                  - id: next
                    run: "true"
                """.formatted(failed, started));

        assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED);
        assertThat(h.ran("next")).isFalse();
        assertThat(h.ofType("step.skipped")).hasSize(8).allSatisfy(e ->
                assertThat(e.data()).containsEntry("reason", "not started: more than max_failures (0) hosts failed"));
        assertThat(o.hostCounts()).isEqualTo(Map.of("failed", 1, "not finished", 31, "not started", 8));
    }

    @Test
    void maxFailuresOfAllHostsLetsTheOthersGoOnAsAnsibleDoes() throws Exception {
        String steps = """
                steps:
                  - id: check
                    run: test {{ host.name }} != w02
                  - id: next
                    run: "true"
                """;
        RunOutcome ansible = h.run("targets: four\nmax_failures: 100%\n" + steps);
        assertThat(ansible.hostCounts()).isEqualTo(Map.of("ok", 3, "failed", 1));

        RunOutcome byDefault = h.run("targets: four\n" + steps);
        assertThat(byDefault.hostCounts()).isEqualTo(Map.of("not finished", 3, "failed", 1));
    }

    /** The most hosts running the step at one moment, from the [start, end] each printed. */
    private int mostAtOnce(String step) {
        List<long[]> edges = new ArrayList<>();
        for (AuditEvent e : h.ofType("step.finished")) {
            if (step.equals(e.step())) {
                String[] parts = String.valueOf(e.data().get("stdout_tail")).strip().split("\\s+");
                edges.add(new long[] {Long.parseLong(parts[0]), 1});
                edges.add(new long[] {Long.parseLong(parts[1]), -1});
            }
        }
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int most = 0;
        for (long[] edge : edges) {
            now += (int) edge[1];
            most = Math.max(most, now);
        }
        return most;
    }
}
