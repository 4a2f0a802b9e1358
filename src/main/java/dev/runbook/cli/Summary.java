package dev.runbook.cli;

import dev.runbook.engine.RunOutcome;
import dev.runbook.model.Visible;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The closing lines of a run: outcome, counts, duration, run id, where the audit is. */
final class Summary {
    private static final List<String> ORDER = List.of("ok", "failed", "failed (tolerated)", "unreachable", "skipped",
            "not finished", "not started");

    private Summary() {}

    static void print(Terminal term, RunOutcome o) {
        String counts = counts(o.counts());
        String hosts = hostLine(o.hostCounts());
        String head = switch (o.status()) {
            case SUCCEEDED -> term.green(term.bold("✓ succeeded"));
            case FAILED -> term.red(term.bold("✗ failed")) + (o.message() == null ? "" : ": " + Visible.line(o.message()));
            case DENIED -> term.yellow(term.bold("■ stopped at a gate" + Visible.line(deniedOn(o.message())))) + " (not approved; exit 3)";
            case INTERRUPTED -> term.yellow(term.bold("■ interrupted"));
        };
        term.out.println();
        term.out.println(head + " in " + Console.seconds(o.durationMs()) + (counts.isEmpty() ? "" : " · steps: " + counts) + hosts);
        term.out.println(term.dim("run " + o.runId() + " · audit " + Visible.line(o.auditLocation()) + " · details: runbook show " + o.runId()));
        term.out.flush();
    }

    private static String hostLine(Map<String, Integer> hosts) {
        return severalHosts(hosts) ? " · hosts: " + counts(hosts) : "";
    }

    /** Whether host counts are worth a word: a run on one host says it all in its step counts. */
    static boolean severalHosts(Map<?, ?> hosts) {
        return hosts.values().stream().mapToInt(v -> v instanceof Number n ? n.intValue() : 0).sum() > 1;
    }

    /**
     * Counts by outcome as a person reads them, ok first: {@code {failed=1, ok=6}} gives "6 ok, 1 failed".
     * The closing summary and {@code runbook show} both say it this way; empty for none.
     */
    static String counts(Map<?, ?> byOutcome) {
        return byOutcome.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<?, ?> e) -> {
                    int i = ORDER.indexOf(String.valueOf(e.getKey()));
                    return i < 0 ? ORDER.size() : i;
                }).thenComparing(e -> String.valueOf(e.getKey())))
                .map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    /** The hosts a gate stopped while the others went on, from the run's message: " on web2". */
    private static String deniedOn(String message) {
        String denied = "stopped at a gate that was not approved";
        return message != null && message.startsWith(denied + " on ") ? message.substring(denied.length()) : "";
    }
}
