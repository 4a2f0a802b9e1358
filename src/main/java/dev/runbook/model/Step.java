package dev.runbook.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One step: an {@link Action} and the modifiers any step may carry.
 *
 * @param when      a condition, or null
 * @param gate      a confirmation asked before the action, or null
 * @param check     a post-condition, or null
 * @param retry     never null ({@link Retry#ONCE} when absent)
 * @param timeout   null for none
 * @param loop      null unless the step runs once per item
 * @param targets   an inventory pattern for this step, or null for the runbook's
 * @param fanOut    how this step spreads over hosts, or null for the runbook's
 * @param become    run as another user (sudo), or null
 * @param parseJson whether stdout (or an http body) is parsed as JSON into {@code output}
 * @param durations durations written as templates ({@code timeout: "{{ params.grace }}"}), by
 *                  field ({@code timeout}, {@code retry.delay}, {@code wait.timeout}...); the
 *                  engine renders them before the step runs
 */
public record Step(
        String id,
        String name,
        Action action,
        Text when,
        Gate gate,
        Check check,
        Retry retry,
        Duration timeout,
        OnFailure onFailure,
        Loop loop,
        boolean readonly,
        Text targets,
        FanOut fanOut,
        Become become,
        boolean parseJson,
        Map<String, Text> durations,
        SourcePos pos) {

    public Step {
        durations = durations == null ? Map.of() : Map.copyOf(durations);
    }

    public String label() {
        return name != null ? name : id;
    }

    /** A gate before the action. {@code word}, when set, must be typed instead of {@code y}. */
    public record Gate(Text prompt, Text word, SourcePos pos) {}

    /** Run as another user with sudo; the password, when needed, comes from a secret. */
    public record Become(Text user, String passwordSecret) {
        /** What {@code sudo -u} is given: a user name, or {@code #UID}. */
        public static final java.util.regex.Pattern USER_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?|#[0-9]+");
    }

    public sealed interface Check permits CommandCheck, AssertCheck {}

    public record CommandCheck(Text command) implements Check {}

    public record AssertCheck(Text expr) implements Check {}

    /**
     * @param until an expression over the attempt's result that must hold, or null
     */
    public record Retry(int attempts, Duration delay, double backoff, Duration maxDelay, Text until) {
        public static final Retry ONCE = new Retry(1, Duration.ZERO, 1.0, null, null);

        public Duration delayBefore(int attempt) {
            if (attempt <= 1) {
                return Duration.ZERO;
            }
            double factor = Math.pow(backoff, attempt - 2);
            long millis = (long) Math.min(delay.toMillis() * factor, (double) Long.MAX_VALUE / 2);
            if (maxDelay != null) {
                millis = Math.min(millis, maxDelay.toMillis());
            }
            return Duration.ofMillis(millis);
        }
    }

    public sealed interface OnFailure permits Abort, Continue, Handle {}

    public record Abort() implements OnFailure {}

    public record Continue() implements OnFailure {}

    public record Handle(List<Step> steps) implements OnFailure {
        public Handle {
            steps = List.copyOf(steps);
        }
    }

    /**
     * @param items   a template evaluating to a list, or null when {@code literal} is given
     * @param literal a list written in YAML (its strings may be templates)
     */
    public record Loop(Text items, List<Object> literal, String var) {}
}
