package dev.runbook.cli;

import dev.runbook.audit.AuditReader;
import dev.runbook.audit.History;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Visible;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

final class HistoryCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    final AuditOptions auditOptions = new AuditOptions();
    String runbook;
    int limit;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("history", this, "List past runs, newest first, from the audit trail.");
        common.addTo(cli);
        return auditOptions.addTo(cli)
                .option("--runbook").label("NAME").describe("Only runs of this runbook.").to(v -> runbook = v)
                .option("--limit").type(int.class).label("N").defaultValue("20").describe("At most this many runs (default 20).").to(v -> limit = v);
    }

    @Override
    public Integer call() throws IOException {
        if (limit < 1) {
            throw InvalidInputException.usage("--limit " + limit + ": give a number of runs, 1 or more");
        }
        Wiring wiring = Wiring.fromSystem().withAudit(auditOptions);
        Terminal term = Terminal.system(common.noColor);
        List<History.Run> runs;
        String where;
        try (AuditReader reader = wiring.stores(Wiring::toStderr).readerWithSpoolDelivered()) {
            runs = reader.runs(runbook, limit);
            where = reader.describe();
        }
        if (runs.isEmpty()) {
            term.out.println(Visible.line((runbook == null ? "no runs" : "no runs of runbook '" + runbook + "'") + " recorded in " + where));
            return ExitCodes.OK;
        }
        term.out.println(term.bold(String.format("%-24s %-22s %-12s %-9s %-20s %s", "RUN", "RUNBOOK", "STATUS", "TIME", "STARTED", "BY")));
        for (History.Run r : runs) {
            // every field comes from the trail, which other users and hosts' output wrote into
            String status = String.format("%-12s", Visible.line(r.status()));
            status = switch (r.status()) {
                case "succeeded" -> term.green(status);
                case "failed", "died" -> term.red(status);
                default -> term.yellow(status);
            };
            term.out.println(String.format("%-24s %-22s %s %-9s %-20s %s", Visible.line(r.runId()), Visible.line(r.runbook()), status,
                    r.durationMs() == null ? "-" : Console.seconds(r.durationMs()),
                    Visible.line(r.started().replace('T', ' ').replaceFirst("\\.\\d+Z$", "Z")),
                    Visible.line(r.user() + (r.trigger() == null ? "" : " (" + r.trigger() + ")"))));
        }
        return ExitCodes.OK;
    }
}
