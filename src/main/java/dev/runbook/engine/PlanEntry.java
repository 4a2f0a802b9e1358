package dev.runbook.engine;

import java.util.List;

/**
 * One step of a dry run, as a reviewer reads it.
 *
 * @param section     steps, finally, on_failure, rescue, always, call
 * @param rendered    the command, statement or request as it would run (secrets masked)
 * @param condition   the {@code when} expression, or null
 * @param decided     the condition's value when already known, null when it waits on earlier results; false
 *                    too for a step without a condition that will not run (a loop over an empty list)
 * @param dependsOn   the steps an undecided condition waits on
 * @param gate        the confirmation prompt where the run would stop, or null
 * @param probe       the real result of a readonly step run by {@code --probe}, or null
 * @param details     what else governs the step: its check, retries, timeout, on_failure, database, become
 * @param error       why the step would fail before it ran (an expression that cannot be evaluated), or null
 */
public record PlanEntry(int depth, String section, String stepId, String label, String kind, String host,
                        String rendered, String condition, Boolean decided, List<String> dependsOn, String gate,
                        String gateWord, boolean readonly, boolean mutating, String note, StepResult probe,
                        List<String> details, String error) {
    public PlanEntry {
        dependsOn = List.copyOf(dependsOn);
        details = List.copyOf(details);
    }

    /** The same entry with {@code shown} as what governs the step, rendered for its host. */
    public PlanEntry withDetails(List<String> shown) {
        return new PlanEntry(depth, section, stepId, label, kind, host, rendered, condition, decided, dependsOn, gate,
                gateWord, readonly, mutating, note, probe, shown, error);
    }

    /** The same entry for a step that would fail with {@code message} before it ran. */
    public PlanEntry withError(String message) {
        return new PlanEntry(depth, section, stepId, label, kind, host, rendered, condition, decided, dependsOn, gate,
                gateWord, readonly, mutating, note, probe, details, message);
    }
}
