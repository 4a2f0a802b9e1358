package dev.runbook.cli;

import dev.runbook.audit.AuditReader;
import dev.runbook.audit.History;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "history", description = "List past runs, newest first, from the audit trail.")
final class HistoryCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    AuditOptions auditOptions;

    @Option(names = "--runbook", paramLabel = "NAME", description = "Only runs of this runbook.")
    String runbook;

    @Option(names = "--limit", defaultValue = "20", description = "At most this many runs (default 20).")
    int limit;

    @Override
    public Integer call() throws IOException {
        Wiring wiring = Wiring.fromSystem().withAudit(auditOptions);
        Terminal term = Terminal.system(common.noColor);
        List<History.Run> runs;
        String where;
        try (AuditReader reader = wiring.stores(Wiring::toStderr).reader()) {
            runs = reader.runs(runbook, Math.max(1, limit));
            where = reader.describe();
        }
        if (runs.isEmpty()) {
            term.out.println("no runs recorded in " + where);
            return ExitCodes.OK;
        }
        term.out.println(term.bold(String.format("%-24s %-22s %-12s %-9s %-20s %s", "RUN", "RUNBOOK", "STATUS", "TIME", "STARTED", "BY")));
        for (History.Run r : runs) {
            String status = String.format("%-12s", r.status());
            status = switch (r.status()) {
                case "succeeded" -> term.green(status);
                case "failed", "died" -> term.red(status);
                default -> term.yellow(status);
            };
            term.out.println(String.format("%-24s %-22s %s %-9s %-20s %s", r.runId(), r.runbook(), status,
                    r.durationMs() == null ? "-" : Console.seconds(r.durationMs()), r.started().replace('T', ' ').replaceFirst("\\.\\d+Z$", "Z"),
                    r.user() + (r.trigger() == null ? "" : " (" + r.trigger() + ")")));
        }
        return ExitCodes.OK;
    }
}
