package dev.runbook.engine;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.Templates;
import dev.runbook.model.Step;
import dev.runbook.model.Target;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One step on one host: condition, loop, gate, then the action with its check and retries.
 * Every decision is an audit event; a mutating step's {@code step.started} is durable before
 * the action starts.
 */
final class HostStep {
    private final RunContext ctx;
    private final Actions actions;
    private final Gates gates;
    final PlanEntries plans;

    HostStep(RunContext ctx, Actions actions) {
        this.ctx = ctx;
        this.actions = actions;
        this.gates = new Gates(ctx);
        this.plans = new PlanEntries(ctx.masker);
    }

    StepResult run(Step step, Target host, Frame frame, String section) {
        long start = System.nanoTime();
        StepResult result;
        if (step.loop() != null) {
            result = loop(step, host, frame, section, start);
        } else {
            result = once(step, host, frame, section, null);
        }
        if (result.outcome() != StepResult.Outcome.NOT_RUN || !ctx.dryRun) {
            frame.state().record(step.id(), host.name(), result);
        }
        return result;
    }

    private StepResult loop(Step step, Target host, Frame frame, String section, long start) {
        List<?> items;
        try {
            items = items(step, host, frame);
        } catch (ExprException e) {
            return finish(step, host, frame, StepResult.failed(e.pos() + ": " + e.getMessage(), Map.of(), 0), false);
        }
        if (items == null) {
            ctx.planned(plans.entry(step, host, frame, section, "for each item of " + step.loop().items().value(), null,
                    List.of(), null, null, "loop items wait on earlier results", null));
            frame.state().markUnknown(step.id());
            return StepResult.notRun();
        }
        if (items.isEmpty()) {
            return emptyLoop(step, host, frame, section);
        }
        List<StepResult> results = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Map<String, Object> loopVars = new HashMap<>();
            loopVars.put(step.loop().var(), items.get(i));
            loopVars.put("loop", Map.of("index", i, "first", i == 0, "last", i == items.size() - 1, "length", items.size()));
            StepResult r = once(step, host, frame.with(loopVars), section, Templates.text(items.get(i)));
            results.add(r.withField("item", items.get(i)));
            if (r.outcome() == StepResult.Outcome.DENIED || r.outcome() == StepResult.Outcome.CANCELLED) {
                break;
            }
        }
        StepResult all = StepResult.ofItems(results, (System.nanoTime() - start) / 1_000_000);
        if (all.outcome() == StepResult.Outcome.NOT_RUN) {
            frame.state().markUnknown(step.id());
            return all;
        }
        ctx.count(all);
        return all;
    }

    /**
     * A loop over no items runs nothing: the step is skipped, audited and counted like one whose
     * condition is false, so {@code steps.x.ok} never vouches for work that was not done.
     */
    private StepResult emptyLoop(Step step, Target host, Frame frame, String section) {
        String reason = StepResult.EMPTY_LOOP;
        if (ctx.dryRun) {
            String over = step.loop().items() != null ? step.loop().items().value() : "[]";
            ctx.planned(plans.entry(step, host, frame, section, "for each item of " + over, false, List.of(), null, null,
                    "skipped: " + reason, null));
        }
        ctx.emit("step.skipped", frame, host.name(), frame.eventStep(step.id()), EventData.of("reason", reason), false);
        StepResult skipped = StepResult.skipped(reason);
        ctx.count(skipped);
        return skipped;
    }

    /** The loop's items, or null in a dry run when they wait on steps that did not run. */
    private List<?> items(Step step, Target host, Frame frame) {
        if (step.loop().literal() != null) {
            Object v = Templates.data(step.loop().literal(), frame.scope(host, ctx));
            return (List<?>) v;
        }
        if (ctx.dryRun && !Interpreter.unknownDependencies(step.loop().items(), frame, true).isEmpty()) {
            return null;
        }
        Object v = Templates.value(step.loop().items(), frame.scope(host, ctx));
        if (v instanceof List<?> l) {
            return l;
        }
        if (v != null && v.getClass().isArray()) {
            return dev.runbook.expr.Functions.asList(v);
        }
        throw new ExprException(step.loop().items().pos(), "'loop' needs a list, got " + (v == null ? "null" : "'" + Templates.text(v) + "'"));
    }

    private StepResult once(Step step, Target host, Frame frame, String section, String item) {
        String stepName = frame.eventStep(step.id());
        Map<String, Object> scope;
        try {
            scope = frame.scope(host, ctx);
        } catch (ExprException e) {
            return cannotRender(step, host, frame, section, e, item);
        }
        Boolean decided = null;
        List<String> waits = List.of();
        if (step.when() != null) {
            waits = ctx.dryRun ? Interpreter.unknownDependencies(step.when(), frame, false) : List.of();
            if (!waits.isEmpty() && Interpreter.decideWithout(step.when(), scope) != null) {
                waits = List.of();
            }
            if (waits.isEmpty()) {
                try {
                    decided = Expressions.test(step.when(), scope);
                } catch (ExprException e) {
                    return finish(step, host, frame, StepResult.failed(e.pos() + ": " + e.getMessage(), Map.of(), 0), false);
                }
                ctx.emit("condition.evaluated", frame, host.name(), stepName, EventData.of("expr", step.when().value(), "value", decided, "item", item), false);
                if (!decided) {
                    String reason = "condition is false: " + step.when().value();
                    if (ctx.dryRun) {
                        ctx.planned(plans.entry(step, host, frame, section, null, false, waits, null, null, "skipped: " + reason, null));
                    }
                    ctx.emit("step.skipped", frame, host.name(), stepName, EventData.of("reason", reason, "item", item), false);
                    StepResult skipped = StepResult.skipped(reason);
                    if (item == null) {
                        ctx.count(skipped);
                    }
                    return skipped;
                }
            }
        }
        String prompt = null;
        String word = null;
        Actions.Prepared prepared;
        List<String> shown;
        try {
            step = DurationTemplates.apply(step, scope);
            if (step.gate() != null) {
                prompt = Templates.display(step.gate().prompt(), scope);
                word = step.gate().word() == null ? null : Templates.plain(step.gate().word(), scope);
            }
            prepared = actions.prepare(step, host, scope, frame);
            shown = ctx.dryRun ? plans.details(step, scope) : null;
        } catch (ExprException e) {
            return cannotRender(step, host, frame, section, e, item);
        }
        if (ctx.dryRun && prepared.problem() != null) {
            // known to fail before it does anything (a database no inventory defines): not probed either
            ctx.planned(plans.entry(step, host, frame, section, prepared.display(), decided, waits, prompt, word,
                    item == null ? null : "item: " + item, null).withDetails(shown).withError(prepared.problem()));
            frame.state().markUnknown(step.id());
            return StepResult.notRun();
        }
        if (ctx.dryRun) {
            boolean probeIt = ctx.probe && step.readonly();
            if (!probeIt) {
                ctx.planned(plans.entry(step, host, frame, section, prepared.display(), decided, waits, prompt, word, item == null ? null : "item: " + item, null)
                        .withDetails(shown));
                frame.state().markUnknown(step.id());
                return StepResult.notRun();
            }
        }
        if (step.gate() != null && !ctx.dryRun) {
            StepResult denied = gates.pass(step, host, frame, prompt, word);
            if (denied != null) {
                return finish(step, host, frame, denied, item == null);
            }
        }
        StepResult r = attempt(step, host, frame, scope, prepared, stepName, item);
        if (ctx.dryRun) {
            PlanEntry planned = plans.entry(step, host, frame, section, prepared.display(), decided, waits, prompt, word,
                    item == null ? null : "item: " + item, r).withDetails(shown);
            // the plan goes on past it, to show the rest; a run now would stop at it (a failure the
            // step tolerates or handles is shown by its probe line and on_failure steps alone)
            boolean stops = r.failed() && step.onFailure() instanceof Step.Abort;
            ctx.planned(stops ? planned.withError("its probe " + r.outcome().label() + ": a run now would fail at this step") : planned);
        }
        return r;
    }

    private StepResult attempt(Step step, Target host, Frame frame, Map<String, Object> scope, Actions.Prepared prepared,
                               String stepName, String item) {
        boolean mutating = step.action().mutating() && !step.readonly();
        Map<String, Object> started = EventData.of("kind", prepared.kind(), "command", prepared.display(), "readonly", step.readonly(),
                "mutating", mutating);
        EventData.loopItem(started, step, frame);
        ctx.emit("step.started", frame, host.name(), stepName, started, mutating);
        long start = System.nanoTime();
        StepResult r = null;
        int attempt = 0;
        Step.Retry retry = step.retry();
        while (attempt < retry.attempts()) {
            attempt++;
            r = execute(step, host, frame, scope, prepared);
            if (r.ok() || attempt >= retry.attempts() || r.outcome() == StepResult.Outcome.CANCELLED || ctx.cancel.isCancelled()) {
                break;
            }
            long delay = retry.delayBefore(attempt + 1).toMillis();
            Map<String, Object> attempted = EventData.of("attempt", attempt, "outcome", r.outcome().label(),
                    "message", r.message(), "next_delay_ms", delay);
            EventData.loopItem(attempted, step, frame);
            ctx.emit("step.attempt", frame, host.name(), stepName, attempted, false);
            if (!ctx.cancel.sleep(delay)) {
                break;
            }
        }
        r = r.withAttempts(attempt).withDuration((System.nanoTime() - start) / 1_000_000);
        return finish(step, host, frame, r, item == null);
    }

    private StepResult execute(Step step, Target host, Frame frame, Map<String, Object> scope, Actions.Prepared prepared) {
        StepResult r;
        boolean deadlineFirst = ctx.deadlineFirst(prepared.limit());
        try {
            r = prepared.execution().run(ctx.cancel);
        } catch (ExprException e) {
            return StepResult.failed(e.pos() + ": " + e.getMessage(), Map.of(), 0);
        } catch (RuntimeException e) {
            return StepResult.failed(ctx.masker.mask(String.valueOf(e.getMessage())), Map.of(), 0);
        }
        boolean command = prepared.kind().equals("run") || prepared.kind().equals("script");
        StepResult seen = afterDeadline(r, deadlineFirst, command);
        if (seen != r) {
            return seen;
        }
        if (!r.ok() || (step.check() == null && step.retry().until() == null)) {
            return r;
        }
        frame.state().record(step.id(), host.name(), r);
        Map<String, Object> withResult = new HashMap<>(scope);
        withResult.put("result", r.toScope());
        withResult.put("steps", frame.state().scopeFor(host.name(), ctx.dryRun));
        try {
            if (step.check() instanceof Step.CommandCheck c) {
                Templates.Rendered cmd = Templates.render(c.command(), withResult, Templates.Mode.SHELL);
                boolean checkDeadlineFirst = ctx.deadlineFirst(step.timeout());
                StepResult check = actions.runCommand(host, frame.eventStep(step.id()),
                        actions.command(cmd.text(), cmd.env(), step.timeout(), actions.elevation(step, host, frame, scope)), false, ctx.cancel);
                StepResult checkSeen = afterDeadline(check, checkDeadlineFirst, true);
                if (checkSeen != check) {
                    return r.withOutcome(checkSeen.outcome(), checkSeen.message());
                }
                if (!check.ok()) {
                    return r.withOutcome(check.outcome() == StepResult.Outcome.UNREACHABLE ? check.outcome() : StepResult.Outcome.FAILED,
                            "check `" + ctx.masker.mask(cmd.text()) + "` failed: " + check.message());
                }
            } else if (step.check() instanceof Step.AssertCheck a && !Expressions.test(a.expr(), withResult)) {
                return r.withOutcome(StepResult.Outcome.FAILED, "check failed: " + a.expr().value());
            }
            if (step.retry().until() != null && !Expressions.test(step.retry().until(), withResult)) {
                return r.withOutcome(StepResult.Outcome.FAILED, "until is not yet true: " + step.retry().until().value());
            }
        } catch (ExprException e) {
            return r.withOutcome(StepResult.Outcome.FAILED, e.pos() + ": " + e.getMessage());
        }
        return r;
    }

    /**
     * The result as the run reports it when the deadline ended it ({@link RunContext#afterDeadline});
     * then the run stops here, whether or not the deadline's own interrupt has come yet, so that
     * no retry or next step starts.
     */
    private StepResult afterDeadline(StepResult r, boolean deadlineFirst, boolean killsProcesses) {
        StepResult seen = RunContext.afterDeadline(r, deadlineFirst, ctx.cancel.reason(), killsProcesses);
        if (seen != r) {
            ctx.cancel.cancel("deadline");
        }
        return seen;
    }

    /**
     * A step whose expressions fail (a var, a template, a duration): it fails, and a plan shows it
     * with the error where it would have shown the command, so a reviewer sees the step that would
     * stop the run instead of a plan without it.
     */
    private StepResult cannotRender(Step step, Target host, Frame frame, String section, ExprException e, String item) {
        StepResult failed = StepResult.failed(e.pos() + ": " + e.getMessage(), Map.of(), 0);
        if (!ctx.dryRun) {
            return finish(step, host, frame, failed, item == null);
        }
        ctx.planned(plans.entry(step, host, frame, section, null, null, List.of(), null, null, null, null).withError(failed.message()));
        // like any step a plan does not run: the steps after it see no result of it, not a failure
        frame.state().markUnknown(step.id());
        return StepResult.notRun();
    }

    /**
     * Records the end of a step. Not fsynced: a crash may lose an outcome, never the
     * {@code step.started} that says the command ran; the run's last event is fsynced.
     */
    private StepResult finish(Step step, Target host, Frame frame, StepResult r, boolean count) {
        Map<String, Object> finished = EventData.finished(r);
        EventData.loopItem(finished, step, frame);
        ctx.emit("step.finished", frame, host.name(), frame.eventStep(step.id()), finished, false);
        if (count) {
            ctx.count(r);
        }
        return r;
    }

}
