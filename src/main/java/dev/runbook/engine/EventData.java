package dev.runbook.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code data} of the engine's audit events. */
final class EventData {
    /** Output kept in step.finished ({@code stdout_tail}, {@code stderr_tail}), in characters from the end. */
    private static final int TAIL = 2000;
    /** SQL rows kept in step.finished (and shown): enough to read a report, bounded for the audit. */
    private static final int ROWS_PREVIEW = 20;

    private EventData() {}

    /** A step.finished event's data: outcome, duration, attempts, the result's fields, bounded tails of its output. */
    static Map<String, Object> finished(StepResult r) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("outcome", r.outcome().label());
        d.put("duration_ms", r.durationMs());
        d.put("attempts", r.attempts());
        if (r.message() != null) {
            d.put("message", r.message());
        }
        for (String k : List.of("exit_code", "status", "sqlstate", "row_count", "backend_pid", "bytes_sent")) {
            if (r.fields().get(k) != null) {
                d.put(k, r.fields().get(k));
            }
        }
        if (r.fields().get("rows") instanceof List<?> rows && !rows.isEmpty()) {
            d.put("rows_preview", rows.subList(0, Math.min(rows.size(), ROWS_PREVIEW)));
        }
        for (String k : List.of("stdout", "stderr")) {
            Object v = r.fields().get(k);
            if (v instanceof String s && !s.isEmpty()) {
                d.put(k + "_tail", s.length() > TAIL ? s.substring(s.length() - TAIL) : s);
            }
        }
        return d;
    }

    /**
     * A looped step's events name the item they are about ({@code item}, as text; masked like
     * everything an event holds) and its {@code index}, counted from 0 as {@code loop.index}.
     */
    static void loopItem(Map<String, Object> data, dev.runbook.model.Step step, Frame frame) {
        if (step.loop() != null && frame.extra().get("loop") instanceof Map<?, ?> loop) {
            data.put("item", dev.runbook.expr.Templates.text(frame.extra().get(step.loop().var())));
            data.put("index", loop.get("index"));
        }
    }

    /** An event's data from key, value pairs; a null value leaves its key out. */
    static Map<String, Object> of(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }
}
