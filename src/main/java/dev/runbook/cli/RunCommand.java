package dev.runbook.cli;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditSink;
import dev.runbook.engine.Engine;
import dev.runbook.engine.RunControl;
import dev.runbook.engine.SqlExecutor;
import dev.runbook.engine.RunListener;
import dev.runbook.engine.RunOutcome;
import dev.runbook.engine.RunRequest;
import dev.runbook.load.Durations;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Runbook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

final class RunCommand implements Callable<Integer>, CliSpec.Command {
    enum Output { text, json }

    final CommonOptions common = new CommonOptions();
    final SelectorOptions selectors = new SelectorOptions();
    final AuditOptions auditOptions = new AuditOptions();
    String runbook;
    boolean dryRun;
    boolean probe;
    PlanCommand.Format format = PlanCommand.Format.text;
    boolean formatGiven;
    boolean yes;
    List<String> approve = new ArrayList<>();
    Output output;
    String deadline;
    private JsonEvents events;

    @Override
    public CliSpec spec() {
        CliSpec cli = CliSpec.command("run", this, "Run a runbook: locally, or on the hosts it targets.");
        common.addTo(cli);
        selectors.addTo(cli);
        auditOptions.addTo(cli);
        return cli.positional(0, String.class).label("NAME|FILE")
                .describe("A runbook name (runbooks/NAME.yaml, then RUNBOOK_PATH) or a file.").to(v -> runbook = v)
                .flag("--dry-run").describe("Plan only (same as 'runbook plan'): nothing that changes anything runs.").to(v -> dryRun = v)
                .flag("--probe").describe("With --dry-run: run readonly steps for real.").to(v -> probe = v)
                .option("--format").type(PlanCommand.Format.class).label("text|markdown|json")
                .describe("With --dry-run: text (default), markdown or json.").to(v -> {
                    format = v;
                    formatGiven = true;
                })
                .flag("-y", "--yes").describe("Approve every confirmation gate (audited as approved by flag).").to(v -> yes = v)
                .repeatable(String.class, "--approve").label("ID").describe("Approve the gate of step ID; repeat for several.").to(v -> approve = v)
                .option("--output").type(Output.class).label("text|json").defaultValue("text")
                .describe("text (for people) or json (one event per line).").to(v -> output = v)
                .option("--deadline").label("DURATION")
                .describe("Stop the run after this long (e.g. 30m), overriding the runbook's deadline.").to(v -> deadline = v);
    }

    @Override
    public Integer call() {
        if (dryRun) {
            return PlanCommand.plan(common, selectors, runbook, probe, format);
        }
        // a plan's options on a real run would be ignored while the run changes things: refuse them before anything runs
        planOnly("--probe", probe);
        planOnly("--format", formatGiven);
        Wiring wiring = Wiring.fromSystem();
        Runbook rb = wiring.loader.require(runbook);
        checkApprovals(rb, approve, wiring.loader);
        Duration limit = parseDeadline(deadline);
        Terminal term = Terminal.system(common.noColor);
        String user = Wiring.user(wiring.env);
        Console console = output == Output.text ? new Console(term, false) : null;
        events = console != null ? null : new JsonEvents(term.out);
        RunListener listener = console != null ? console : events;
        RunControl control = new RunControl();
        CliGate gate = new CliGate(yes, new HashSet<>(approve), term, console, user, control);
        Signals.install(control, term);
        // the audit store's fallbacks (PostgreSQL unreachable: events spooled, locks local only) are told once, in the run's output
        java.util.function.Consumer<String> notices = console != null ? console::notice : Wiring::toStderr;
        AuditStores stores = wiring.withAudit(auditOptions).stores(notices);
        try (AuditSink audit = stores.sink(); SqlExecutor sql = wiring.sql()) {
            Engine engine = new Engine(wiring.services(selectors.inventory, gate, audit, sql, stores.locks()));
            RunRequest req = new RunRequest(rb, selectors.params(), selectors.targets, selectors.limit, false, false,
                    new AuditEvent.Actor(user, term.interactive ? "tty" : "cli"), limit, "cli");
            RunOutcome outcome = engine.run(req, listener, control);
            if (console != null) {
                console.close();
                Summary.print(term, outcome);
            }
            return outcome.status().exitCode();
        } finally {
            if (console != null) {
                console.close();
            }
            if (events != null) {
                events.close();
            }
        }
    }

    /**
     * Told by {@link Main} of the error that ended this command. With {@code --output json}, a run that
     * never started says why on stdout too ({@code run.refused}), and so does one that started and
     * could not finish ({@code run.error}: its audit trail refused an event), so that a consumer
     * reading only stdout is not left without an end.
     */
    void refused(Main.Refusal refusal) {
        if (output == Output.json && !dryRun) {
            System.out.println(events == null || !events.started() ? JsonEvents.refused(refusal) : events.error(refusal));
            System.out.flush();
        }
    }

    private static void planOnly(String option, boolean given) {
        if (given) {
            throw InvalidInputException.usage(option + " needs --dry-run (or use: runbook plan " + option + ")");
        }
    }

    static Duration parseDeadline(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.usage("--deadline: " + e.getMessage());
        }
    }

    /** An --approve naming no gate is a typo that would leave a gate unapproved: refuse it up front. */
    static void checkApprovals(Runbook rb, List<String> ids, dev.runbook.load.RunbookLoader loader) {
        Set<String> gated = loader.gatedSteps(rb);
        for (String id : ids) {
            if (!gated.contains(id)) {
                String hint = dev.runbook.load.DidYouMean.suggest(id, gated);
                throw InvalidInputException.usage("--approve " + id + ": runbook '" + rb.name() + "' has no gate on a step '" + id + "'"
                        + (hint != null ? " (did you mean '" + hint + "'?)" : gated.isEmpty() ? " (it has no gates)" : "; gates: " + String.join(", ", gated)));
            }
        }
    }
}
