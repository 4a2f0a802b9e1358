package dev.runbook.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step's outcome on one host (or, with {@code hosts}, on all). A value, never an exception:
 * built by the static factories and the {@code with} methods.
 *
 * @param fields  kind-specific results as expressions see them (exit_code, stdout, status, rows...)
 * @param items   per-item results of a looped step, else empty
 * @param hosts   per-host results of a multi-host step, else empty
 */
public record StepResult(Outcome outcome, String message, long durationMs, int attempts, boolean tolerated,
                         Map<String, Object> fields, List<StepResult> items, Map<String, StepResult> hosts) {

    public enum Outcome {
        OK, FAILED, TIMED_OUT, UNREACHABLE, SKIPPED, DENIED, CANCELLED, NOT_RUN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }

        public boolean failure() {
            return this == FAILED || this == TIMED_OUT || this == UNREACHABLE || this == DENIED || this == CANCELLED;
        }
    }

    /** Why a looped step over no items is skipped. */
    public static final String EMPTY_LOOP = "loop over an empty list";

    public StepResult {
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        items = List.copyOf(items);
        hosts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
    }

    public static StepResult ok(Map<String, Object> fields, long durationMs) {
        return new StepResult(Outcome.OK, null, durationMs, 1, false, fields, List.of(), Map.of());
    }

    public static StepResult failed(String message, Map<String, Object> fields, long durationMs) {
        return new StepResult(Outcome.FAILED, message, durationMs, 1, false, fields, List.of(), Map.of());
    }

    public static StepResult of(Outcome outcome, String message, Map<String, Object> fields, long durationMs) {
        return new StepResult(outcome, message, durationMs, 1, false, fields, List.of(), Map.of());
    }

    public static StepResult skipped(String reason) {
        return new StepResult(Outcome.SKIPPED, reason, 0, 0, false, Map.of(), List.of(), Map.of());
    }

    public static StepResult notRun() {
        return new StepResult(Outcome.NOT_RUN, "did not run", 0, 0, false, Map.of(), List.of(), Map.of());
    }

    public boolean ok() {
        return outcome == Outcome.OK;
    }

    public boolean failed() {
        return outcome.failure();
    }

    public StepResult withAttempts(int n) {
        return new StepResult(outcome, message, durationMs, n, tolerated, fields, items, hosts);
    }

    public StepResult withDuration(long ms) {
        return new StepResult(outcome, message, ms, attempts, tolerated, fields, items, hosts);
    }

    public StepResult asTolerated() {
        return new StepResult(outcome, message, durationMs, attempts, true, fields, items, hosts);
    }

    public StepResult withOutcome(Outcome o, String msg) {
        return new StepResult(o, msg, durationMs, attempts, tolerated, fields, items, hosts);
    }

    public StepResult withField(String key, Object value) {
        Map<String, Object> f = new LinkedHashMap<>(fields);
        f.put(key, value);
        return new StepResult(outcome, message, durationMs, attempts, tolerated, f, items, hosts);
    }

    /** A looped step: ok only when every item is (none is not ok); the last item's fields stand for the step. */
    public static StepResult ofItems(List<StepResult> items, long durationMs) {
        if (items.isEmpty()) {
            return skipped(EMPTY_LOOP);
        }
        if (items.stream().allMatch(r -> r.outcome == Outcome.NOT_RUN)) {
            return new StepResult(Outcome.NOT_RUN, "did not run", durationMs, 0, false, Map.of(), items, Map.of());
        }
        StepResult worst = items.stream().filter(StepResult::failed).findFirst().orElse(items.get(items.size() - 1));
        boolean allSkipped = items.stream().allMatch(r -> r.outcome == Outcome.SKIPPED);
        Outcome o = worst.failed() ? worst.outcome : allSkipped ? Outcome.SKIPPED : Outcome.OK;
        return new StepResult(o, worst.failed() ? worst.message : null, durationMs,
                items.stream().mapToInt(StepResult::attempts).max().orElse(1), false, worst.fields, items, Map.of());
    }

    /** What expressions see as {@code steps.<id>}. */
    public Map<String, Object> toScope() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", ok());
        m.put("failed", failed());
        m.put("skipped", outcome == Outcome.SKIPPED || outcome == Outcome.NOT_RUN);
        m.put("outcome", outcome.label());
        m.put("message", message);
        m.put("duration_ms", durationMs);
        m.put("attempts", attempts);
        for (String k : List.of("exit_code", "stdout", "stderr", "output", "status", "body", "headers", "rows")) {
            m.put(k, null);
        }
        m.putAll(fields);
        List<Object> itemScopes = new ArrayList<>();
        for (StepResult r : items) {
            itemScopes.add(r.toScope());
        }
        m.put("items", itemScopes);
        Map<String, Object> hostScopes = new LinkedHashMap<>();
        hosts.forEach((h, r) -> hostScopes.put(h, r.toScope()));
        m.put("hosts", hostScopes);
        return m;
    }
}
