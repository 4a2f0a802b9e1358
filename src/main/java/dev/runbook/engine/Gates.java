package dev.runbook.engine;

import dev.runbook.audit.AuditEvent;
import dev.runbook.model.Step;
import dev.runbook.model.Target;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asks gates one at a time, and once per distinct prompt: a step over fifty hosts whose prompt
 * does not name the host asks once, not fifty times. Every question and answer is audited with
 * who answered and how.
 */
final class Gates {
    private final RunContext ctx;
    private final Map<String, Gate.Decision> decided = new ConcurrentHashMap<>();

    Gates(RunContext ctx) {
        this.ctx = ctx;
    }

    /** Null when the gate is passed; else the step's denied result. */
    StepResult pass(Step step, Target host, Frame frame, String prompt, String word) {
        String stepName = frame.eventStep(step.id());
        String key = stepName + "\u0000" + prompt + "\u0000" + word;
        Gate.Decision decision;
        synchronized (this) {
            decision = decided.get(key);
            if (decision == null) {
                ctx.emit("gate.asked", frame, host.name(), stepName, EventData.of("prompt", prompt, "word", word), true);
                decision = ctx.services.gate().ask(new Gate.Request(frame.runbook().name(), step.id(), host.name(), prompt, word));
                decided.put(key, decision);
                AuditEvent.Actor who = new AuditEvent.Actor(decision.user(), decision.via());
                ctx.emit(decision.approved() ? "gate.approved" : "gate.denied", frame.runbook(), host.name(), stepName,
                        EventData.of("prompt", prompt, "reason", decision.reason(),
                                "attempts", decision.attempts() > 0 ? decision.attempts() : null), true, who);
            }
        }
        if (decision.approved()) {
            return null;
        }
        return StepResult.of(StepResult.Outcome.DENIED, "gate not approved: " + decision.reason(), Map.of(), 0);
    }
}
