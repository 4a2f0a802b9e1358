package dev.runbook.load;

import dev.runbook.model.Text;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * The scalar fields every part of a step reads the same way: durations that may be templates,
 * bare expressions, text that must not be empty. Keeps the templated durations of the step being
 * read (steps nest: {@link #enter} and {@link #leave} bracket each one).
 */
final class StepFields {
    /** Stands in the model for a duration that is a template, until the step runs and renders it. */
    static final Duration PLACEHOLDER = Duration.ofMillis(1);

    private final YamlReader y;
    private Map<String, Text> templated = new LinkedHashMap<>();

    StepFields(YamlReader y) {
        this.y = y;
    }

    /** Starts reading a step; returns the enclosing step's templated durations, for {@link #leave}. */
    Map<String, Text> enter() {
        Map<String, Text> outer = templated;
        templated = new LinkedHashMap<>();
        return outer;
    }

    void leave(Map<String, Text> outer) {
        templated = outer;
    }

    /** The templated durations of the step being read, by path ({@code retry.delay}, {@code wait}...). */
    Map<String, Text> templated() {
        return templated;
    }

    private Duration template(Mapping m, String key, String path) {
        Node n = m.get(key);
        if (n instanceof ScalarNode sn && sn.getValue().contains("{{")) {
            templated.put(path, y.textOf(sn));
            return PLACEHOLDER;
        }
        return null;
    }

    Duration duration(Mapping m, String key, String path) {
        Duration d = template(m, key, path);
        return d != null ? d : m.duration(key);
    }

    Text nonEmpty(Mapping m, String key) {
        Text t = m.text(key);
        if (t != null && t.value().isBlank()) {
            y.error(m.keyPos(key), "'" + key + "' is empty");
        }
        return t == null ? Text.of("") : t;
    }

    Text expression(Mapping m, String key) {
        Node n = m.get(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && !YamlReader.isNull(n)) {
            Text t = y.textOf(s);
            if (t.value().contains("{{")) {
                y.error(t.pos(), "'" + key + "' takes a bare expression; remove the '{{ }}'");
            } else if (t.value().isBlank()) {
                y.error(m.keyPos(key), "'" + key + "' is empty");
            }
            return t;
        }
        y.error(n, "'" + key + "' must be an expression (a string), not " + YamlReader.describe(n));
        return null;
    }

    Duration positive(Mapping m, String key) {
        return positive(m, key, key);
    }

    /**
     * A duration, or a template for one: {@code "{{ params.grace }}"} is kept under {@code path}
     * and rendered when the step runs; a placeholder stands in the model until then.
     */
    Duration positive(Mapping m, String key, String path) {
        Duration d = template(m, key, path);
        if (d != null) {
            return d;
        }
        d = m.duration(key);
        if (d != null && d.isZero()) {
            y.error(m.keyPos(key), "'" + key + "' must be longer than 0s");
        }
        return d;
    }
}
