package dev.runbook.load;

import dev.runbook.model.Step;
import dev.runbook.model.Text;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads what a step of any kind may carry: confirm, check, retry, on_failure, loop, become. */
final class StepModifiers {
    private static final Set<String> RETRY_KEYS = Set.of("attempts", "delay", "backoff", "max_delay", "until");
    private static final Set<String> CONFIRM_KEYS = Set.of("prompt", "word");
    private static final Set<String> CHECK_KEYS = Set.of("assert", "run");
    private static final Set<String> BECOME_KEYS = Set.of("user", "password");

    private final YamlReader y;
    private final StepFields f;
    /** For on_failure's steps. */
    private final StepReader reader;

    StepModifiers(YamlReader y, StepFields f, StepReader reader) {
        this.y = y;
        this.f = f;
        this.reader = reader;
    }

    Step.Gate gate(Mapping m) {
        Node n = m.get("confirm");
        if (n instanceof MappingNode) {
            Mapping c = y.mapping(n, "'confirm'", CONFIRM_KEYS);
            if (c == null || !c.require("prompt")) {
                return null;
            }
            return new Step.Gate(c.text("prompt"), c.text("word"), y.pos(n));
        }
        Text prompt = y.text(n, "'confirm'");
        return prompt == null ? null : new Step.Gate(prompt, null, y.pos(n));
    }

    Step.Check check(Mapping m) {
        Node n = m.get("check");
        if (n == null) {
            return null;
        }
        if (n instanceof MappingNode) {
            Mapping c = y.mapping(n, "'check'", CHECK_KEYS);
            if (c == null) {
                return null;
            }
            if (c.has("assert") == c.has("run")) {
                y.error(c.pos(), "'check' takes either 'assert: EXPR' or 'run: COMMAND'");
                return null;
            }
            return c.has("assert") ? new Step.AssertCheck(f.expression(c, "assert")) : new Step.CommandCheck(c.text("run"));
        }
        Text cmd = y.text(n, "'check'");
        return cmd == null ? null : new Step.CommandCheck(cmd);
    }

    Step.Retry retry(Mapping m) {
        Node n = m.get("retry");
        if (n == null) {
            return Step.Retry.ONCE;
        }
        if (n instanceof ScalarNode) {
            Long attempts = y.integer(n, "'retry'");
            return attempts == null ? Step.Retry.ONCE : new Step.Retry(attempts(n, attempts), Duration.ZERO, 1.0, null, null);
        }
        Mapping r = y.mapping(n, "'retry'", RETRY_KEYS);
        if (r == null) {
            return Step.Retry.ONCE;
        }
        Long attempts = r.has("attempts") ? r.integer("attempts") : Long.valueOf(3);
        Duration delay = f.duration(r, "delay", "retry.delay");
        double backoff = 1.0;
        if (r.has("backoff")) {
            Object b = y.value(r.get("backoff"));
            if (b instanceof Number num && num.doubleValue() >= 1.0 && num.doubleValue() <= 10) {
                backoff = num.doubleValue();
            } else {
                y.error(y.pos(r.get("backoff")), "'backoff' must be a number from 1 to 10");
            }
        }
        return new Step.Retry(attempts == null ? 1 : attempts(r.get("attempts") == null ? n : r.get("attempts"), attempts),
                delay == null ? Duration.ofSeconds(1) : delay, backoff, f.duration(r, "max_delay", "retry.max_delay"), f.expression(r, "until"));
    }

    private int attempts(Node at, long attempts) {
        if (attempts < 1 || attempts > 1000) {
            y.error(at, "retry attempts must be from 1 to 1000, not " + attempts);
            return 1;
        }
        return (int) attempts;
    }

    Step.OnFailure onFailure(Mapping m) {
        Node n = m.get("on_failure");
        if (n == null) {
            return new Step.Abort();
        }
        if (n instanceof ScalarNode s && !YamlReader.isNull(n)) {
            return switch (s.getValue()) {
                case "abort" -> new Step.Abort();
                case "continue" -> new Step.Continue();
                default -> {
                    String hint = DidYouMean.suggest(s.getValue(), List.of("abort", "continue"));
                    y.error(y.pos(n), "on_failure must be 'abort', 'continue' or a list of steps, not '" + s.getValue() + "'",
                            hint == null ? null : "did you mean '" + hint + "'?");
                    yield new Step.Abort();
                }
            };
        }
        return new Step.Handle(reader.steps(n, "'on_failure'"));
    }

    Step.Loop loop(Mapping m) {
        Node n = m.get("loop");
        if (n == null) {
            return null;
        }
        String var = m.has("loop_var") ? m.string("loop_var") : "item";
        if (var != null && !var.matches("[a-z_][a-z0-9_]*")) {
            y.error(m.keyPos("loop_var"), "loop_var must be a lower-case name");
        }
        if (n instanceof ScalarNode s && !YamlReader.isNull(n)) {
            Text t = y.textOf(s);
            if (!t.value().strip().startsWith("{{") || !t.value().strip().endsWith("}}")) {
                y.error(t.pos(), "'loop' must be a list, or one '{{ expression }}' giving a list, not '" + t.value() + "'");
                return null;
            }
            return new Step.Loop(t, null, var);
        }
        if (y.sequence(n, "'loop'") == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        List<Object> literal = (List<Object>) y.value(n);
        return new Step.Loop(null, literal, var);
    }

    /** A user written out must be a user name (what sudo -u takes), not a command line or an option. */
    private void checkUser(Text user) {
        if (user != null && !user.isTemplate() && !Step.Become.USER_NAME.matcher(user.value()).matches()) {
            y.error(user.pos(), "become: '" + user.value() + "' is not a user name (letters, digits, '.', '_', '-'; or #UID)");
        }
    }

    Step.Become become(Mapping m) {
        Node n = m.get("become");
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && org.snakeyaml.engine.v2.nodes.Tag.BOOL.equals(s.getTag())) {
            return Boolean.TRUE.equals(y.bool(n, "'become'")) ? new Step.Become(Text.of("root"), null) : null;
        }
        if (n instanceof ScalarNode) {
            Text user = y.text(n, "'become'");
            checkUser(user);
            return user == null ? null : new Step.Become(user, null);
        }
        Mapping b = y.mapping(n, "'become'", BECOME_KEYS);
        if (b == null) {
            return null;
        }
        Text user = b.has("user") ? b.text("user") : Text.of("root");
        checkUser(user);
        String password = b.string("password");
        if (password != null) {
            password = password.replaceFirst("^secrets\\.", "");
        }
        return new Step.Become(user, password);
    }
}
