package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SummaryTest {
    @Test
    void countsReadOkFirstThenFailuresThenSkippedWhateverTheMapOrder() {
        // the engine hands over a TreeMap, whose alphabetical order would put "failed" before "ok"
        Map<String, Integer> steps = new TreeMap<>(Map.of("skipped", 1, "failed (tolerated)", 2, "ok", 6, "failed", 1));

        assertThat(Summary.counts(steps)).isEqualTo("6 ok, 1 failed, 2 failed (tolerated), 1 skipped");
    }

    @Test
    void hostCountsPutUnreachableBetweenFailedAndSkippedAndUnknownLabelsLast() {
        Map<String, Integer> hosts = new TreeMap<>(Map.of("unreachable", 2, "ok", 5, "cancelled", 1, "failed", 1));

        assertThat(Summary.counts(hosts)).isEqualTo("5 ok, 1 failed, 2 unreachable, 1 cancelled");
    }

    @Test
    void hostsLeftPartwayAndHostsNeverStartedComeAfterTheHostsThatRan() {
        Map<String, Integer> hosts = new TreeMap<>(Map.of("not started", 1, "not finished", 2, "failed", 2));

        assertThat(Summary.counts(hosts)).isEqualTo("2 failed, 2 not finished, 1 not started");
    }

    @Test
    void noCountsIsEmpty() {
        assertThat(Summary.counts(Map.of())).isEmpty();
    }
}
