package dev.runbook.schedule;

import dev.runbook.model.SourcePos;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A runbook run on a Quartz cron schedule.
 *
 * @param runbook   the runbook file to run
 * @param params    raw {@code -p} values
 * @param targets   a host pattern overriding the runbook's, or null
 * @param approve   the step ids whose gates this schedule pre-approves; any other gate denies
 * @param misfire   what to do with fires missed while no daemon ran
 * @param overlap   what to do when the previous run still holds the lock
 * @param deadline  the run's time limit, or null for the runbook's
 */
public record Schedule(String id, Path runbook, String cron, ZoneId timeZone, Map<String, String> params, String targets,
                       List<String> approve, Misfire misfire, Overlap overlap, Duration deadline, boolean enabled,
                       SourcePos pos) {

    public Schedule {
        params = Map.copyOf(params);
        approve = List.copyOf(approve);
    }

    /** The runbook's name: its file's, without {@code .yaml}. */
    public String runbookName() {
        return runbook.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    }

    /**
     * The next {@code n} fire times after {@code after}, in the schedule's zone, with the rules at
     * daylight-saving changes the daemon fires by (fewer when it stops firing).
     */
    public List<ZonedDateTime> nextFires(Instant after, int n) {
        FireTimes times = FireTimes.of(this);
        List<ZonedDateTime> out = new ArrayList<>();
        for (Instant t = times.next(after); t != null && out.size() < n; t = times.next(t)) {
            out.add(t.atZone(timeZone));
        }
        return out;
    }

    /** Missed fires: forget them, or run once for all of them when a daemon is back. */
    public enum Misfire { SKIP, RUN_ONCE }

    /** A fire while the previous run of the same runbook and targets still runs: skip it (audited as such), or wait for the lock. */
    public enum Overlap { SKIP, WAIT }
}
