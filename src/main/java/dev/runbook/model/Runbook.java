package dev.runbook.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A loaded, validated runbook. Immutable.
 *
 * @param vars     values whose strings may hold templates ({@link Text}), lists and maps
 * @param deadline the whole run's time limit, or null
 * @param scheduled the file has a {@code schedule:} block (the daemon reads it; {@code validate} checks it)
 * @param sha256   hex digest of the file's bytes, recorded with every audit event
 */
public record Runbook(
        String name,
        String description,
        Path path,
        String sha256,
        Map<String, Param> params,
        Text targets,
        Map<String, Object> vars,
        Map<String, SecretRef> secrets,
        List<Step> steps,
        List<Step> finallySteps,
        Duration deadline,
        FanOut fanOut,
        boolean scheduled,
        SourcePos pos) {

    public Runbook {
        params = ordered(params);
        vars = ordered(vars);
        secrets = ordered(secrets);
        steps = List.copyOf(steps);
        finallySteps = List.copyOf(finallySteps);
    }

    private static <V> Map<String, V> ordered(Map<String, V> map) {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(map));
    }

    /** Every step, depth first, including nested, rescue, always, handler and finally steps. */
    public List<Step> allSteps() {
        List<Step> out = new java.util.ArrayList<>();
        Steps.walk(steps, out::add);
        Steps.walk(finallySteps, out::add);
        return out;
    }
}
