package dev.runbook.engine;

import dev.runbook.expr.ExprException;
import dev.runbook.model.InvalidInputException;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.Templates;
import dev.runbook.model.Action;
import dev.runbook.model.FanOut;
import dev.runbook.model.Step;
import dev.runbook.model.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks a runbook's steps over its hosts: per step {@code when} → gate → action → check and
 * retry → result, then {@code on_failure}. Blocks and calls recurse. A dry run walks the same path
 * and records what would happen instead of doing it.
 */
final class Interpreter {
    enum Signal { CONTINUE, ABORT, DENIED, CANCELLED }

    /** Where a list of steps left the run, and the hosts still in it. */
    record Flow(Signal signal, List<Target> hosts) {
        static Flow go(List<Target> hosts) {
            return new Flow(Signal.CONTINUE, hosts);
        }
    }

    private final RunContext ctx;
    private final HostStep hostStep;
    private final Composites composites;
    private final FanOutRunner fanOut;

    Interpreter(RunContext ctx) {
        this.ctx = ctx;
        this.hostStep = new HostStep(ctx, new Actions(ctx));
        this.composites = new Composites(ctx, this, hostStep);
        this.fanOut = new FanOutRunner(ctx);
    }

    Flow steps(List<Step> steps, List<Target> hosts, Frame frame, String section) {
        List<Target> active = hosts;
        for (Step step : steps) {
            if (ctx.cancel.isCancelled()) {
                return new Flow(Signal.CANCELLED, active);
            }
            if (active.isEmpty()) {
                return new Flow(Signal.ABORT, active);
            }
            Flow flow = step(step, active, frame, section);
            if (flow.signal() != Signal.CONTINUE) {
                return flow;
            }
            active = flow.hosts();
        }
        return Flow.go(active);
    }

    Flow step(Step step, List<Target> hosts, Frame frame, String section) {
        List<Target> targets = hosts;
        if (step.targets() != null) {
            try {
                Map<String, Object> scope = frame.scope(hosts.get(0), ctx);
                targets = ctx.services.hosts().select(Templates.plain(step.targets(), scope));
            } catch (ExprException e) {
                return fail(step, hosts, frame, section, e.pos() + ": " + e.getMessage());
            } catch (InvalidInputException e) {
                // a pattern that matches no host: the step cannot run, the run goes on to its handlers and finally
                return fail(step, hosts, frame, section, step.targets().pos() + ": targets: " + Composites.problems(e));
            }
        }
        Map<String, StepResult> results;
        if (step.action() instanceof Action.Block || step.action() instanceof Action.Call) {
            results = composites.run(step, targets, frame, section);
        } else {
            FanOut fo = frame.runbook().fanOut().perStep().merge(step.fanOut());
            Allowance allowance = allowance(step, frame, targets.size(), section);
            results = fanOut.run(targets, fo, tolerated(allowance, section), host -> hostStep.run(step, host, frame, section),
                    host -> notStarted(step, host, frame, allowance.allowed()));
        }
        return decide(step, results, targets, hosts, frame, section);
    }

    /**
     * How many hosts may fail at a step before it starts no more of them and the run stops.
     *
     * @param runWide whether the step's failures count against the run's {@code max_failures}
     *                ({@link RunContext#failures}, failures at earlier steps and batches included)
     *                rather than the step's own
     */
    record Allowance(int allowed, boolean runWide) {}

    /**
     * The runbook's {@code max_failures} counts failed hosts over the whole run, across steps and
     * batches; a step's own (or a called runbook's) counts that step's failures; so does a step
     * that cleans up after a failure or runs whatever happened (rescue, always, finally).
     */
    Allowance allowance(Step step, Frame frame, int targets, String section) {
        FanOut.Amount own = step.fanOut() == null ? null : step.fanOut().maxFailures();
        boolean cleanup = cleanup(section);
        if (own == null && (frame.runbook() != ctx.rootRunbook || cleanup)) {
            own = frame.runbook().fanOut().maxFailures();
        }
        if (own != null || cleanup) {
            return new Allowance(own == null ? 0 : own.of(targets), false);
        }
        return new Allowance(ctx.failures.allowed(), true);
    }

    /**
     * How many of a step's hosts may fail before it starts no more of them. Steps that clean up
     * after a failure or run whatever happened start on every host: so do the steps that run once
     * the run's max_failures is already exceeded (inside a rescue, always or on_failure).
     */
    private int tolerated(Allowance allowance, String section) {
        if (cleanup(section) || (allowance.runWide() && ctx.failures.exceeded())) {
            return Integer.MAX_VALUE;
        }
        return allowance.allowed() - (allowance.runWide() ? ctx.failures.failed() : 0);
    }

    private boolean cleanup(String section) {
        return ctx.finallyPhase || section.equals("rescue") || section.equals("always");
    }

    /**
     * A host that {@code step} does not start because more than {@code allowed} hosts failed: skipped
     * there, audited with the reason, and a host that ran nothing counts as not started.
     */
    StepResult notStarted(Step step, Target host, Frame frame, int allowed) {
        String reason = "not started: more than max_failures (" + allowed + ") hosts failed";
        ctx.emit("step.skipped", frame, host.name(), frame.eventStep(step.id()), EventData.of("reason", reason), false);
        StepResult r = StepResult.skipped(reason);
        frame.state().recordHeldBack(step.id(), host.name(), r);
        ctx.count(r);
        return r;
    }

    private Flow fail(Step step, List<Target> hosts, Frame frame, String section, String message) {
        Map<String, StepResult> results = new LinkedHashMap<>();
        for (Target h : hosts) {
            if (ctx.dryRun) {
                ctx.planned(hostStep.plans.entry(step, h, frame, section, null, null, List.of(), null, null, null, null).withError(message));
            }
            StepResult r = StepResult.failed(message, Map.of(), 0);
            frame.state().record(step.id(), h.name(), r);
            ctx.emit("step.finished", frame, h.name(), frame.eventStep(step.id()), EventData.finished(r), false);
            ctx.count(r);
            results.put(h.name(), r);
        }
        return decide(step, results, hosts, hosts, frame, section);
    }

    /** Applies {@code on_failure} and {@code max_failures} to a finished step. */
    private Flow decide(Step step, Map<String, StepResult> results, List<Target> targets, List<Target> active,
                        Frame frame, String section) {
        if (ctx.dryRun) {
            // a plan shows every step: a failed probe is marked as a step that would fail, and the
            // on_failure steps are shown as steps that run only then
            if (step.onFailure() instanceof Step.Handle handle && !ctx.cancel.isCancelled()) {
                steps(handle.steps(), active, frame, "on_failure");
            }
            return ctx.cancel.isCancelled() ? new Flow(Signal.CANCELLED, active) : Flow.go(active);
        }
        if (ctx.cancel.isCancelled()) {
            return new Flow(Signal.CANCELLED, active);
        }
        List<Target> denied = targets.stream().filter(t -> outcome(results, t) == StepResult.Outcome.DENIED).toList();
        if (!denied.isEmpty()) {
            // a gate of the run's own hosts stops the hosts it was not approved for, and the others
            // go on; one on hosts of the step's own (a gate on a step for one host) stops the run
            if (step.targets() != null || denied.size() >= active.size() || !active.containsAll(denied)) {
                return new Flow(Signal.DENIED, active);
            }
            denied.forEach(t -> ctx.denied.add(t.name()));
            active = active.stream().filter(t -> !denied.contains(t)).toList();
        }
        List<Target> failed = targets.stream().filter(t -> {
            StepResult r = results.get(t.name());
            return r != null && r.failed() && r.outcome() != StepResult.Outcome.DENIED;
        }).toList();
        if (failed.isEmpty()) {
            return Flow.go(active);
        }
        if (step.onFailure() instanceof Step.Continue) {
            tolerate(step, failed, frame);
            return Flow.go(active);
        }
        if (step.onFailure() instanceof Step.Handle handle) {
            Flow handled = steps(handle.steps(), failed, frame, "on_failure");
            if (handled.signal() == Signal.CONTINUE && handled.hosts().size() == failed.size()) {
                tolerate(step, failed, frame);
                return Flow.go(active);
            }
            return handled.signal() == Signal.CONTINUE ? new Flow(Signal.ABORT, active) : handled;
        }
        Allowance allowance = allowance(step, frame, targets.size(), section);
        int count = allowance.runWide() ? ctx.failures.add(failed.stream().map(Target::name).toList()) : failed.size();
        if (count <= allowance.allowed() && failed.size() < active.size()) {
            ctx.hostsDropped = true;
            List<Target> remaining = new ArrayList<>(active);
            remaining.removeAll(failed);
            return Flow.go(remaining);
        }
        return new Flow(Signal.ABORT, active);
    }

    private static StepResult.Outcome outcome(Map<String, StepResult> results, Target t) {
        StepResult r = results.get(t.name());
        return r == null ? null : r.outcome();
    }

    private void tolerate(Step step, List<Target> failed, Frame frame) {
        for (Target t : failed) {
            StepResult r = frame.state().result(step.id(), t.name());
            frame.state().record(step.id(), t.name(), r.asTolerated());
            ctx.retally(r.outcome().label(), r.outcome().label() + " (tolerated)");
        }
    }

    /**
     * A dry run's decision on a condition that mentions steps that did not run: decided anyway
     * when evaluation never reaches them ({@code params.apply && steps.x.ok} with apply false);
     * null when it does.
     */
    static Boolean decideWithout(dev.runbook.model.Text when, Map<String, Object> scope) {
        RunState.Placeholder.TOUCHED.set(false);
        try {
            Object v = Expressions.evaluate(when, scope);
            return !RunState.Placeholder.TOUCHED.get() && v instanceof Boolean b ? b : null;
        } catch (ExprException e) {
            return null;
        } finally {
            RunState.Placeholder.TOUCHED.set(false);
        }
    }

    /** Whether a condition waits on steps a dry run did not execute; returns their ids. */
    static List<String> unknownDependencies(dev.runbook.model.Text expr, Frame frame, boolean template) {
        List<String> ids = new ArrayList<>();
        try {
            List<String> exprs = new ArrayList<>();
            if (template) {
                for (var p : dev.runbook.expr.TemplateParts.split(expr)) {
                    if (p.expression()) {
                        exprs.add(p.text());
                    }
                }
            } else {
                exprs.add(expr.value());
            }
            for (String e : exprs) {
                for (List<String> ref : Expressions.analyze(e, expr, 0).references()) {
                    if (ref.size() > 1 && ref.get(0).equals("steps") && frame.state().isUnknown(ref.get(1))
                            && !ids.contains(ref.get(1))) {
                        ids.add(ref.get(1));
                    }
                }
            }
        } catch (ExprException e) {
            // validation has reported it; evaluating will report it again with its position
        }
        return ids;
    }
}
