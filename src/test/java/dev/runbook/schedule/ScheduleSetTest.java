package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.model.SourcePos;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Schedule sets as a reload and a cluster compare them: what changed, said per schedule, and
 * never a param's value (a cluster keeps them in a table every node can read).
 */
class ScheduleSetTest {
    @Test
    void aReloadSaysWhatWasAddedRemovedAndChanged() {
        ScheduleSet before = ScheduleSet.of(List.of(schedule("a", "0 0 3 * * ?", Map.of()), schedule("b", "0 0 4 * * ?", Map.of())));
        ScheduleSet after = ScheduleSet.of(List.of(schedule("b", "0 0 5 * * ?", Map.of()), schedule("c", "0 0 6 * * ?", Map.of())));

        assertThat(before.changesTo(after)).containsExactly("removed a",
                "changed b (runbook tick, cron '0 0 4 * * ?' UTC, misfire skip, overlap skip → runbook tick, cron '0 0 5 * * ?' UTC,"
                        + " misfire skip, overlap skip)",
                "added c (runbook tick, cron '0 0 6 * * ?' UTC, misfire skip, overlap skip)");
        assertThat(before.changesTo(ScheduleSet.of(List.of(schedule("a", "0 0 3 * * ?", Map.of()), schedule("b", "0 0 4 * * ?", Map.of())))))
                .isEmpty();
    }

    @Test
    void aNodeIsToldHowItsSchedulesDifferFromTheClustersWithoutParamValues() {
        String cluster = ScheduleSet.of(List.of(schedule("a", "0 0 3 * * ?", Map.of("token", "s3cret")), schedule("b", "0 0 4 * * ?", Map.of())))
                .described();
        String mine = ScheduleSet.of(List.of(schedule("a", "0 0 3 * * ?", Map.of("token", "other")), schedule("c", "0 0 4 * * ?", Map.of())))
                .described();

        assertThat(ScheduleSet.againstCluster(mine, cluster)).containsExactly("a differs (its param values)", "b only in the cluster",
                "c only here");
        assertThat(cluster).doesNotContain("s3cret");
        assertThat(ScheduleSet.againstCluster(cluster, cluster)).isEmpty();
    }

    @Test
    void aDisabledScheduleIsNotInTheSet() {
        Schedule off = new Schedule("off", Path.of("runbooks/tick.yaml"), "0 0 3 * * ?", ZoneId.of("UTC"), Map.of(), null, List.of(),
                Schedule.Misfire.SKIP, Schedule.Overlap.SKIP, null, false, new SourcePos("s.yaml", 1, 1));

        assertThat(ScheduleSet.of(List.of(off)).size()).isZero();
    }

    private static Schedule schedule(String id, String cron, Map<String, String> params) {
        return new Schedule(id, Path.of("runbooks/tick.yaml"), cron, ZoneId.of("UTC"), params, null, List.of(), Schedule.Misfire.SKIP,
                Schedule.Overlap.SKIP, null, true, new SourcePos("s.yaml", 1, 1));
    }
}
