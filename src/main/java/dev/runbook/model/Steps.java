package dev.runbook.model;

import java.util.List;
import java.util.function.Consumer;

/** Walks nested steps in the order they appear in the file. */
public final class Steps {
    private Steps() {}

    public static void walk(List<Step> steps, Consumer<Step> visitor) {
        for (Step step : steps) {
            visitor.accept(step);
            if (step.action() instanceof Action.Block block) {
                walk(block.steps(), visitor);
                walk(block.rescue(), visitor);
                walk(block.always(), visitor);
            }
            if (step.onFailure() instanceof Step.Handle handle) {
                walk(handle.steps(), visitor);
            }
        }
    }
}
