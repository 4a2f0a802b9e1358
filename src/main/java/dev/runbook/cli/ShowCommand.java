package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditReader;
import dev.runbook.audit.History;
import dev.runbook.model.Visible;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

final class ShowCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();
    final AuditOptions auditOptions = new AuditOptions();
    String runId;

    /** How many of the runs an ambiguous prefix matches are named. */
    private static final int CANDIDATES = 5;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("show", this, "Show one run's audited events as a timeline ('last' for the newest).");
        common.addTo(cli);
        return auditOptions.addTo(cli).positional(0, String.class).label("RUN_ID")
                .describe("A run id (or a unique prefix), or 'last'.").to(v -> runId = v);
    }

    @Override
    public Integer call() throws IOException {
        Wiring wiring = Wiring.fromSystem().withAudit(auditOptions);
        Terminal term = Terminal.system(common.noColor);
        List<AuditEvent> events;
        List<String> candidates = List.of();
        String where;
        try (AuditReader reader = wiring.stores(Wiring::toStderr).readerWithSpoolDelivered()) {
            events = reader.run(runId);
            where = reader.describe();
            if (events.isEmpty() && !"last".equals(runId)) {
                candidates = reader.runIds(runId, CANDIDATES + 1);
            }
        }
        if (candidates.size() > 1) {
            String named = String.join(", ", candidates.subList(0, Math.min(CANDIDATES, candidates.size())));
            term.err.println(Visible.line("runbook: error: run id '" + runId + "' is ambiguous: it matches " + named
                    + (candidates.size() > CANDIDATES ? " and more" : "") + " (give more of the id; see: runbook history)"));
            return ExitCodes.INVALID_INPUT;
        }
        if (events.isEmpty()) {
            term.err.println(Visible.line("runbook: error: no run '" + runId + "' in " + where + " (see: runbook history)"));
            return ExitCodes.INVALID_INPUT;
        }
        AuditEvent first = events.get(0);
        term.out.println(term.bold(Visible.line("run " + first.runId())) + ": " + Visible.line(first.runbook().name() + " (" + first.runbook().path() + ")"));
        term.out.println(term.dim(Visible.line("runbook sha256 " + first.runbook().sha256() + ", started by " + first.actor().user() + " via " + first.actor().via())));
        if (first.type().equals("run.started") && first.data().get("scheduled_at") != null) {
            term.out.println(term.dim(Visible.line(scheduled(first.data()))));
        }
        if (first.type().equals("run.started") && Boolean.TRUE.equals(first.data().get("dry_run"))) {
            // only a plan with --probe is audited: its end says succeeded like a run's, so say first what it was
            term.out.println(term.yellow("plan with --probe (dry run): only readonly steps ran; nothing else was changed"));
        }
        for (AuditEvent e : events) {
            term.out.println(line(e, term));
        }
        String lastType = events.get(events.size() - 1).type();
        if (!lastType.equals("run.finished") && !lastType.equals("run.aborted") && first.type().equals("run.started")) {
            Object pid = first.data().get("pid");
            String by = pid == null ? "" : Visible.line(" (pid " + pid + " on " + first.data().get("machine") + ")");
            term.out.println(History.DIED.equals(History.unfinished(first))
                    ? term.red("died") + ": no end event, and the process that ran it" + by + " is gone; the last event above is where it stopped"
                    : term.yellow("running") + ": no end event yet" + by);
        }
        return ExitCodes.OK;
    }

    /** A scheduled run's fire: which schedule, for which time, and whether it made up for missed fires. */
    static String scheduled(Map<String, Object> data) {
        Object since = data.get("missed_since");
        Object at = data.get("scheduled_at");
        return "trigger " + data.get("trigger") + ", scheduled for " + at + (since == null ? ""
                : since.equals(at) ? " (a catch-up run for that missed fire)" : " (a catch-up run for the fires missed from " + since + " to then)");
    }

    /**
     * One event, on one line whatever its fields hold: the trail records what hosts, params and
     * commands gave, so a line break or an escape sequence in them is shown escaped
     * ({@link Visible#line}), never obeyed or taken for a line of the timeline.
     */
    private static String line(AuditEvent e, Terminal term) {
        String time = Visible.line(e.ts().length() >= 23 ? e.ts().substring(11, 23) : e.ts());
        Map<String, Object> d = e.data();
        String where = Visible.line((e.host() == null ? "" : e.host() + " ") + (e.step() == null ? "" : e.step() + Console.item(d)));
        String detail = switch (e.type()) {
            case "run.started" -> "targets " + (d.get("targets") instanceof List<?> l ? String.join(", ", l.stream().map(String::valueOf).toList())
                    : String.valueOf(d.get("targets")))
                    + (d.get("params") instanceof Map<?, ?> m && !m.isEmpty() ? "; params " + m.entrySet().stream()
                    .map(x -> x.getKey() + "=" + x.getValue()).collect(java.util.stream.Collectors.joining(", ")) : "");
            case "condition.evaluated" -> d.get("expr") + " → " + d.get("value");
            case "step.skipped" -> String.valueOf(d.get("reason"));
            case "step.started" -> d.get("command") == null ? "" : String.valueOf(d.get("command")).strip().replace("\n", "⏎ ");
            case "step.attempt" -> "attempt " + d.get("attempt") + ": " + d.get("outcome") + (d.get("message") == null ? "" : ", " + d.get("message"));
            case "step.finished" -> d.get("outcome") + " in " + Console.seconds(d.get("duration_ms"))
                    + (d.get("exit_code") == null ? "" : ", exit " + d.get("exit_code"))
                    + (d.get("message") == null ? "" : ": " + d.get("message"));
            case "gate.asked" -> String.valueOf(d.get("prompt"));
            case "gate.approved", "gate.denied" -> "by " + e.actor().user() + " via " + e.actor().via()
                    + (d.get("reason") == null ? "" : " (" + d.get("reason") + ")");
            case "run.finished", "run.aborted" -> d.get("status") + " in " + Console.seconds(d.get("duration_ms")) + ", steps: "
                    + (d.get("steps") instanceof Map<?, ?> m && !m.isEmpty() ? Summary.counts(m) : "none")
                    + (d.get("hosts") instanceof Map<?, ?> hc && Summary.severalHosts(hc) ? ", hosts: " + Summary.counts(hc) : "")
                    + (d.get("message") == null ? "" : ": " + d.get("message"));
            default -> d.toString();
        };
        detail = Visible.line(detail);
        String type = String.format("%-19s", Visible.line(e.type()));
        type = e.type().equals("gate.denied") || "failed".equals(d.get("outcome")) ? term.red(type)
                : e.type().startsWith("gate") ? term.yellow(type) : term.dim(type);
        return term.dim(time) + " " + type + " " + where + (where.isEmpty() ? "" : "  ") + detail;
    }
}
