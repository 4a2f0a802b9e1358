package dev.runbook.engine;

import java.util.List;

/**
 * One step of a dry run, as a reviewer reads it.
 *
 * @param section     steps, finally, on_failure, rescue, always, call
 * @param rendered    the command, statement or request as it would run (secrets masked)
 * @param condition   the {@code when} expression, or null
 * @param decided     the condition's value when already known, null when it waits on earlier results
 * @param dependsOn   the steps an undecided condition waits on
 * @param gate        the confirmation prompt where the run would stop, or null
 * @param probe       the real result of a readonly step run by {@code --probe}, or null
 */
public record PlanEntry(int depth, String section, String stepId, String label, String kind, String host,
                        String rendered, String condition, Boolean decided, List<String> dependsOn, String gate,
                        String gateWord, boolean readonly, boolean mutating, String note, StepResult probe) {
    public PlanEntry {
        dependsOn = List.copyOf(dependsOn);
    }
}
