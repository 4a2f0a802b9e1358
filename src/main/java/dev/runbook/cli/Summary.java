package dev.runbook.cli;

import dev.runbook.engine.RunOutcome;
import java.util.Map;
import java.util.stream.Collectors;

/** The closing lines of a run: outcome, counts, duration, run id, where the audit is. */
final class Summary {
    private Summary() {}

    static void print(Terminal term, RunOutcome o) {
        String counts = o.counts().entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
        String hosts = hostLine(o.hostCounts());
        String head = switch (o.status()) {
            case SUCCEEDED -> term.green(term.bold("✓ succeeded"));
            case FAILED -> term.red(term.bold("✗ failed")) + (o.message() == null ? "" : ": " + o.message());
            case DENIED -> term.yellow(term.bold("■ stopped at a gate")) + " (not approved; exit 3)";
            case INTERRUPTED -> term.yellow(term.bold("■ interrupted"));
        };
        term.out.println();
        term.out.println(head + " in " + Console.seconds(o.durationMs()) + (counts.isEmpty() ? "" : " · steps: " + counts) + hosts);
        term.out.println(term.dim("run " + o.runId() + " · audit " + o.auditLocation() + " · details: runbook show " + o.runId()));
        term.out.flush();
    }

    private static String hostLine(Map<String, Integer> hosts) {
        int total = hosts.values().stream().mapToInt(Integer::intValue).sum();
        if (total <= 1) {
            return "";
        }
        return " · hosts: " + hosts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
    }
}
