package dev.runbook.engine;

import java.util.List;
import java.util.Map;

/**
 * How a run ended.
 *
 * @param counts steps by outcome label (ok, failed, skipped...)
 * @param hostCounts hosts by outcome (ok, failed, unreachable, not finished, not started)
 * @param plan   the dry run's plan (empty for a real run)
 * @param params the params as resolved, secrets masked
 */
public record RunOutcome(String runId, Status status, String message, long durationMs, Map<String, Integer> counts,
                         Map<String, Integer> hostCounts, List<PlanEntry> plan, String auditLocation,
                         List<String> targets, Map<String, Object> params) {

    public enum Status {
        SUCCEEDED(0), FAILED(1), DENIED(3), INTERRUPTED(130);

        private final int exitCode;

        Status(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }
}
