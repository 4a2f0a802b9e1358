package dev.runbook.engine;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.Secret;
import dev.runbook.expr.Templates;
import dev.runbook.model.Action;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Runbook;
import dev.runbook.model.Step;
import dev.runbook.model.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Steps made of steps: {@code block} (with {@code rescue} and {@code always}) and {@code runbook}
 * calls. They run their inner steps over all their hosts together, step by step, like the run itself.
 */
final class Composites {
    private final RunContext ctx;
    private final Interpreter interpreter;
    private final HostStep hostStep;

    Composites(RunContext ctx, Interpreter interpreter, HostStep hostStep) {
        this.ctx = ctx;
        this.interpreter = interpreter;
        this.hostStep = hostStep;
    }

    Map<String, StepResult> run(Step step, List<Target> hosts, Frame frame, String section) {
        long start = System.nanoTime();
        Map<String, StepResult> results = new LinkedHashMap<>();
        List<Target> entered = enter(step, hosts, frame, section, results);
        if (entered.isEmpty()) {
            return results;
        }
        Interpreter.Flow flow;
        String kind = Actions.kind(step.action());
        for (Target h : entered) {
            ctx.emit("step.started", frame, h.name(), frame.eventStep(step.id()), EventData.of("kind", kind,
                    "command", describe(step), "mutating", false), false);
        }
        String cannotCall = null;
        if (step.action() instanceof Action.Block block) {
            flow = block(block, entered, frame.nested());
        } else {
            try {
                flow = call(step, (Action.Call) step.action(), entered, frame);
            } catch (ExprException e) {
                cannotCall = e.pos() + ": " + e.getMessage();
                flow = new Interpreter.Flow(Interpreter.Signal.ABORT, List.of());
            } catch (InvalidInputException e) {
                // the callee's params or secrets refused: this step fails, the caller's handlers and finally run
                cannotCall = problems(e);
                flow = new Interpreter.Flow(Interpreter.Signal.ABORT, List.of());
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (cannotCall != null && ctx.dryRun) {
            String id = frame.eventStep(step.id());
            String error = cannotCall;
            ctx.plan.replaceAll(e -> e.stepId().equals(id) && entered.stream().anyMatch(h -> h.name().equals(e.host()))
                    ? e.withError(error) : e);
        }
        for (Target h : entered) {
            StepResult r;
            if (cannotCall != null) {
                r = StepResult.failed(cannotCall, Map.of(), ms);
            } else if (flow.signal() == Interpreter.Signal.CONTINUE && flow.hosts().contains(h)) {
                r = StepResult.ok(Map.of(), ms);
            } else {
                // a host a gate inside stopped (while the others went on) was stopped, not failed
                StepResult.Outcome o = flow.signal() == Interpreter.Signal.DENIED || ctx.denied.contains(h.name())
                        ? StepResult.Outcome.DENIED
                        : flow.signal() == Interpreter.Signal.CANCELLED ? StepResult.Outcome.CANCELLED : StepResult.Outcome.FAILED;
                r = StepResult.of(o, "a step inside '" + step.id() + "' " + (o == StepResult.Outcome.DENIED ? "was not approved" : "failed"), Map.of(), ms);
            }
            if (!(ctx.dryRun && !ctx.probe)) {
                frame.state().record(step.id(), h.name(), r);
                ctx.emit("step.finished", frame, h.name(), frame.eventStep(step.id()), EventData.finished(r), false);
                ctx.count(r);
            } else {
                frame.state().markUnknown(step.id());
            }
            results.put(h.name(), r);
        }
        return results;
    }

    /** Condition and gate per host; returns the hosts that go in. */
    private List<Target> enter(Step step, List<Target> hosts, Frame frame, String section, Map<String, StepResult> results) {
        List<Target> entered = new ArrayList<>();
        for (Target h : hosts) {
            Map<String, Object> scope;
            try {
                scope = frame.scope(h, ctx);
            } catch (ExprException e) {
                results.put(h.name(), record(step, h, frame, StepResult.failed(e.pos() + ": " + e.getMessage(), Map.of(), 0)));
                continue;
            }
            Boolean decided = Boolean.TRUE;
            List<String> waits = List.of();
            if (step.when() != null) {
                waits = ctx.dryRun ? Interpreter.unknownDependencies(step.when(), frame, false) : List.of();
                if (!waits.isEmpty() && Interpreter.decideWithout(step.when(), scope) != null) {
                    waits = List.of();
                }
                decided = null;
                if (waits.isEmpty()) {
                    try {
                        decided = Expressions.test(step.when(), scope);
                    } catch (ExprException e) {
                        results.put(h.name(), record(step, h, frame, StepResult.failed(e.pos() + ": " + e.getMessage(), Map.of(), 0)));
                        continue;
                    }
                    ctx.emit("condition.evaluated", frame, h.name(), frame.eventStep(step.id()),
                            EventData.of("expr", step.when().value(), "value", decided), false);
                }
            }
            String prompt = step.gate() == null ? null : Templates.display(step.gate().prompt(), scope);
            if (ctx.dryRun) {
                ctx.planned(hostStep.plans.entry(step, h, frame, section, describe(step), decided, waits, prompt, null,
                        Boolean.FALSE.equals(decided) ? "skipped: condition is false" : null, null));
            }
            if (Boolean.FALSE.equals(decided)) {
                String reason = "condition is false: " + step.when().value();
                ctx.emit("step.skipped", frame, h.name(), frame.eventStep(step.id()), EventData.of("reason", reason), false);
                results.put(h.name(), record(step, h, frame, StepResult.skipped(reason)));
                continue;
            }
            if (step.gate() != null && !ctx.dryRun) {
                String word = step.gate().word() == null ? null : Templates.plain(step.gate().word(), scope);
                StepResult denied = new Gates(ctx).pass(step, h, frame, prompt, word);
                if (denied != null) {
                    results.put(h.name(), record(step, h, frame, denied));
                    continue;
                }
            }
            entered.add(h);
        }
        return entered;
    }

    private StepResult record(Step step, Target h, Frame frame, StepResult r) {
        frame.state().record(step.id(), h.name(), r);
        ctx.count(r);
        return r;
    }

    private Interpreter.Flow block(Action.Block block, List<Target> hosts, Frame frame) {
        Interpreter.Flow flow = interpreter.steps(block.steps(), hosts, frame, "block");
        if (ctx.dryRun && !block.rescue().isEmpty() && flow.signal() == Interpreter.Signal.CONTINUE) {
            // a plan shows the rescue steps too, as the steps that run only if the block fails
            interpreter.steps(block.rescue(), hosts, frame, "rescue");
        }
        if (flow.signal() == Interpreter.Signal.ABORT && !block.rescue().isEmpty()) {
            flow = interpreter.steps(block.rescue(), hosts, frame, "rescue");
            if (flow.signal() == Interpreter.Signal.CONTINUE) {
                rescued(block.steps(), flow.hosts(), frame);
                ctx.failures.forgive(flow.hosts().stream().map(Target::name).toList());
            }
        }
        if (!block.always().isEmpty() && flow.signal() != Interpreter.Signal.CANCELLED) {
            Interpreter.Flow always = interpreter.steps(block.always(), hosts, frame, "always");
            if (flow.signal() == Interpreter.Signal.CONTINUE) {
                flow = always;
            }
        }
        return flow;
    }

    private Interpreter.Flow call(Step step, Action.Call call, List<Target> hosts, Frame frame) {
        Runbook callee = ctx.services.loader().require(call.resolved());
        Map<String, Object> scope = frame.scope(hosts.get(0), ctx);
        Map<String, Object> given = new LinkedHashMap<>();
        call.params().forEach((k, v) -> given.put(k, Templates.data(v, scope)));
        InputProblems problems = new InputProblems();
        Map<String, Object> params = problems.check(() -> Params.resolve(callee, given, frame.secrets(), ctx.masker));
        Map<String, Secret> secrets = problems.check(() -> Secrets.resolve(callee, ctx.services.env(), ctx.masker, ctx.dryRun));
        problems.throwIfAny();
        // a called runbook runs where its caller runs: its own targets are for running it alone
        List<Target> targets = hosts;
        Frame inner = frame.call(callee, params, secrets, step.id());
        Interpreter.Flow flow = interpreter.steps(callee.steps(), targets, inner, "call");
        if (!callee.finallySteps().isEmpty()) {
            Interpreter.Flow fin = interpreter.steps(callee.finallySteps(), targets, inner, "finally");
            if (flow.signal() == Interpreter.Signal.CONTINUE && fin.signal() != Interpreter.Signal.CONTINUE) {
                flow = fin;
            }
        }
        return flow;
    }

    /**
     * The failures a rescue handled no longer count against the run: the summary shows them as
     * "failed (rescued)", and a later failure is the one the run's message names.
     */
    private void rescued(List<Step> steps, List<Target> hosts, Frame frame) {
        for (Step s : steps) {
            for (Target h : hosts) {
                StepResult r = frame.state().result(s.id(), h.name());
                if (r != null && r.failed() && !r.tolerated()) {
                    frame.state().record(s.id(), h.name(), r.asTolerated());
                    ctx.retally(r.outcome().label(), r.outcome().label() + " (rescued)");
                }
            }
            if (s.action() instanceof Action.Block inner) {
                rescued(inner.steps(), hosts, frame);
                rescued(inner.rescue(), hosts, frame);
                rescued(inner.always(), hosts, frame);
            }
        }
    }

    /** Every problem of a refusal on one line: "file:line:col: message; file:line:col: message". */
    static String problems(InvalidInputException e) {
        return String.join("; ", e.diagnostics().stream().filter(d -> d.severity() == dev.runbook.model.Diagnostic.Severity.ERROR)
                .map(d -> (d.pos().line() == 0 ? "" : d.pos() + ": ") + d.message()).toList());
    }

    private static String describe(Step step) {
        if (step.action() instanceof Action.Call c) {
            return "runbook " + c.target().value() + (c.params().isEmpty() ? "" : " with " + String.join(", ", c.params().keySet()));
        }
        Action.Block b = (Action.Block) step.action();
        return "block of " + b.steps().size() + " steps" + (b.rescue().isEmpty() ? "" : ", rescue " + b.rescue().size())
                + (b.always().isEmpty() ? "" : ", always " + b.always().size());
    }
}
