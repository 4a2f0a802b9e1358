package dev.runbook.load;

import dev.runbook.model.FanOut;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** Reads {@code max_parallel}, {@code batch}, {@code max_failures} and {@code strategy}. */
final class FanOutReader {
    private FanOutReader() {}

    /** The fan-out a mapping gives, or null when it sets none of the keys. */
    static FanOut read(YamlReader y, Mapping m) {
        if (!m.has("max_parallel") && !m.has("batch") && !m.has("max_failures") && !m.has("strategy")) {
            return null;
        }
        int maxParallel = 0;
        if (m.has("max_parallel")) {
            Long n = m.integer("max_parallel");
            if (n != null && (n < 1 || n > 10_000)) {
                y.error(m.keyPos("max_parallel"), "max_parallel must be from 1 to 10000");
            } else if (n != null) {
                maxParallel = n.intValue();
            }
        }
        boolean serial = false;
        if (m.has("strategy")) {
            String s = m.string("strategy");
            if ("serial".equals(s)) {
                serial = true;
            } else if (s != null && !"linear".equals(s)) {
                y.error(m.keyPos("strategy"), "strategy must be 'linear' (step by step over all hosts) or 'serial' (host by host), not '" + s + "'");
            }
        }
        FanOut.Amount batch = amount(y, m.get("batch"), "batch", 1);
        FanOut.Amount maxFailures = amount(y, m.get("max_failures"), "max_failures", 0);
        return new FanOut(maxParallel, batch, maxFailures, serial);
    }

    private static FanOut.Amount amount(YamlReader y, Node n, String key, int min) {
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && Tag.INT.equals(s.getTag())) {
            Long v = y.integer(n, "'" + key + "'");
            if (v != null && v >= min && v <= 1_000_000) {
                return new FanOut.Amount(v.intValue(), false);
            }
        } else if (n instanceof ScalarNode s && s.getValue().matches("\\d{1,3}%")) {
            int v = Integer.parseInt(s.getValue().substring(0, s.getValue().length() - 1));
            if (v >= min && v <= 100) {
                return new FanOut.Amount(v, true);
            }
        }
        y.error(n, "'" + key + "' must be a count of at least " + min + " or a percentage such as 25%");
        return null;
    }
}
