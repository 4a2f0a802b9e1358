package dev.runbook.engine;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.Templates;
import dev.runbook.load.Durations;
import dev.runbook.model.Step;
import dev.runbook.model.Target;
import dev.runbook.model.Text;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a plan shows of a step on a host: the entry and the details a reviewer needs besides the command. */
final class PlanEntries {
    private final Masker masker;

    PlanEntries(Masker masker) {
        this.masker = masker;
    }

    /** A check command as it would run after the step: rendered like the command, masked, its own results unknown. */
    private String checkShown(Step step, Step.CommandCheck c, Map<String, Object> scope) {
        Map<String, Object> withResult = new HashMap<>(scope);
        withResult.put("result", new RunState.Placeholder("result"));
        if (scope.get(Templates.UNKNOWN_STEPS) instanceof java.util.Set<?> unknown) {
            java.util.Set<Object> more = new java.util.HashSet<>(unknown);
            more.add(step.id());
            withResult.put(Templates.UNKNOWN_STEPS, more);
        }
        return masker.mask(Templates.render(c.command(), withResult, Templates.Mode.SHELL).text()).strip();
    }

    /** A step's entry in the plan, as far as it is known without rendering (details as written). */
    PlanEntry entry(Step step, Target host, Frame frame, String section, String rendered, Boolean decided,
                    List<String> waits, String gate, String word, String note, StepResult probe) {
        return new PlanEntry(frame.depth(), section, frame.eventStep(step.id()), step.label(), Actions.kind(step.action()),
                host.name(), rendered, step.when() == null ? null : step.when().value(),
                step.when() == null && !Boolean.FALSE.equals(decided) ? Boolean.TRUE : decided, waits, gate, word, step.readonly(),
                step.action().mutating() && !step.readonly(), note, probe, details(step, null), null);
    }

    /**
     * What a reviewer needs besides the command: how success is checked, retried, bounded and handled.
     * With the host's {@code scope}, templates are rendered as the run would render them (a check's
     * {@code result} and the results of steps a plan did not run shown as {@code <...>}); without
     * it (a step the plan does not render), as written.
     *
     * @throws ExprException when a template cannot be rendered: the run would fail the step
     */
    List<String> details(Step step, Map<String, Object> scope) {
        List<String> out = new ArrayList<>();
        if (step.action() instanceof dev.runbook.model.Action.Sql sql && sql.database() != null) {
            out.add("database: " + (scope == null ? sql.database().value() : Templates.display(sql.database(), scope)));
        }
        if (step.become() != null) {
            out.add("as user: " + (step.become().user() == null ? "root"
                    : scope == null ? step.become().user().value() : Templates.display(step.become().user(), scope)) + " (sudo)");
        }
        if (step.check() instanceof Step.CommandCheck c) {
            out.add("then checks: " + (scope == null ? c.command().value().strip() : checkShown(step, c, scope)));
        } else if (step.check() instanceof Step.AssertCheck a) {
            out.add("then checks: " + a.expr().value().strip());
        }
        Step.Retry r = step.retry();
        if (r.attempts() > 1 || r.until() != null) {
            out.add("retry: up to " + r.attempts() + " attempts, " + Durations.format(r.delay()) + " apart"
                    + (r.backoff() > 1 ? ", backoff ×" + (r.backoff() == Math.rint(r.backoff()) ? String.valueOf((long) r.backoff()) : String.valueOf(r.backoff())) : "")
                    + (r.maxDelay() == null ? "" : ", at most " + Durations.format(r.maxDelay()))
                    + (r.until() == null ? "" : ", until " + r.until().value().strip()));
        }
        Text timeout = step.durations().get("timeout");
        if (step.timeout() != null || timeout != null) {
            out.add("timeout: " + (step.timeout() != null ? Durations.format(step.timeout()) : timeout.value()));
        }
        if (step.fanOut() != null) {
            out.add("fan-out of this step: " + overrides(step.fanOut()));
        }
        if (step.onFailure() instanceof Step.Continue) {
            out.add("on failure: continue");
        } else if (step.onFailure() instanceof Step.Handle h) {
            out.add("on failure: " + String.join(", ", h.steps().stream().map(Step::id).toList()) + ", then go on if they succeed");
        }
        return out;
    }

    /** The fan-out keys a step sets for itself: "max_parallel 1, batch 50%, max_failures 0". */
    private static String overrides(dev.runbook.model.FanOut fo) {
        List<String> keys = new ArrayList<>();
        if (fo.maxParallel() != 0) {
            keys.add("max_parallel " + fo.maxParallel());
        }
        if (fo.batch() != null) {
            keys.add("batch " + fo.batch() + " (this step alone)");
        }
        if (fo.maxFailures() != null) {
            keys.add("max_failures " + fo.maxFailures() + " (this step's failures)");
        }
        return String.join(", ", keys);
    }
}
