package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditSink;
import dev.runbook.engine.Engine;
import dev.runbook.engine.Gate;
import dev.runbook.engine.RunControl;
import dev.runbook.engine.SqlExecutor;
import dev.runbook.engine.RunListener;
import dev.runbook.engine.RunOutcome;
import dev.runbook.engine.RunRequest;
import dev.runbook.model.Runbook;
import java.util.concurrent.Callable;

final class PlanCommand implements Callable<Integer>, CliSpec.Command {
    enum Format { text, markdown, json }

    final CommonOptions common = new CommonOptions();
    final SelectorOptions selectors = new SelectorOptions();
    String runbook;
    boolean probe;
    Format format;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("plan", this, "Show what a run would do, changing nothing (same as 'run --dry-run').");
        common.addTo(cli);
        selectors.addTo(cli);
        return cli.positional(0, String.class).label("NAME|FILE")
                .describe("A runbook name (runbooks/NAME.yaml, then RUNBOOK_PATH) or a file.").to(v -> runbook = v)
                .flag("--probe").describe("Also run readonly steps for real, so conditions that depend on them are decided.").to(v -> probe = v)
                .option("--format").type(Format.class).label("text|markdown|json").defaultValue("text")
                .describe("text (terminal), markdown (for a review) or json.").to(v -> format = v);
    }

    @Override
    public Integer call() {
        return plan(common, selectors, runbook, probe, format);
    }

    static int plan(CommonOptions common, SelectorOptions selectors, String name, boolean probe, Format format) {
        Wiring wiring = Wiring.fromSystem();
        Runbook rb = wiring.loader.require(name);
        Terminal term = Terminal.system(common.noColor);
        String user = Wiring.user(wiring.env);
        Gate never = r -> Gate.Decision.deny(user, "rule", "dry run");
        // a plan takes no lock and, without --probe, writes no audit: only a probe opens the configured store
        AuditStores stores = probe ? wiring.stores(Wiring::toStderr) : null;
        try (AuditSink audit = probe ? stores.sink() : new NoAudit(); SqlExecutor sql = wiring.sql()) {
            Engine engine = new Engine(wiring.services(selectors.inventory, never, audit, sql,
                    probe ? stores.locks() : new dev.runbook.engine.FileRunLocks(wiring.state.locks())));
            RunRequest req = new RunRequest(rb, selectors.params(), selectors.targets, selectors.limit, true, probe,
                    new AuditEvent.Actor(user, "cli"), null, "plan");
            RunControl control = new RunControl();
            Signals.install(control, term);
            RunOutcome outcome = engine.run(req, RunListener.NONE, control);
            String text = switch (format) {
                case text -> PlanRenderer.text(rb, outcome, term);
                case markdown -> PlanMarkdown.of(rb, outcome);
                case json -> PlanRenderer.json(rb, outcome);
            };
            term.out.print(text);
            term.out.flush();
            if (outcome.status() == RunOutcome.Status.INTERRUPTED) {
                return ExitCodes.INTERRUPTED;
            }
            // a step the plan already knows would fail: the plan is shown, and it does not pass
            long failing = outcome.plan().stream().filter(e -> e.error() != null).count();
            if (failing > 0) {
                term.err.println("runbook: " + failing + " step" + (failing == 1 ? "" : "s") + " of this plan would fail (marked ✗ above)");
                return ExitCodes.STEP_FAILED;
            }
            return ExitCodes.OK;
        }
    }

    /** A plan without probes writes nothing, not even to the audit trail. */
    static final class NoAudit implements AuditSink {
        @Override
        public void append(AuditEvent event, boolean durable) { }

        @Override
        public String describe() {
            return "(nothing recorded: dry run)";
        }

        @Override
        public void close() { }
    }
}
