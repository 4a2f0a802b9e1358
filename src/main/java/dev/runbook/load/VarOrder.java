package dev.runbook.load;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.TemplateParts;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Text;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vars are rendered in the order they are written, each seeing only those above it (the engine's
 * Frame), so a var that uses itself or one below it would render as empty text. Such a use is
 * refused where it is written, naming the cycle when there is one.
 */
final class VarOrder {
    private record Use(String var, SourcePos pos) {}

    private VarOrder() {}

    static void check(Map<String, Object> vars, List<Diagnostic> out) {
        List<String> order = new ArrayList<>(vars.keySet());
        Map<String, List<Use>> uses = new LinkedHashMap<>();
        vars.forEach((name, value) -> {
            List<Use> found = new ArrayList<>();
            collect(value, found);
            uses.put(name, found);
        });
        for (String name : order) {
            for (Use u : uses.get(name)) {
                int at = order.indexOf(u.var());
                if (at < 0 || at < order.indexOf(name)) {
                    continue;
                }
                List<String> cycle = path(u.var(), name, uses);
                if (cycle != null) {
                    cycle.add(0, name);
                    out.add(Diagnostic.error(u.pos(), "var '" + name + "' uses " + (u.var().equals(name) ? "itself" : "var '" + u.var() + "'")
                            + ", a cycle: " + String.join(" -> ", cycle)));
                } else {
                    out.add(Diagnostic.error(u.pos(), "var '" + name + "' uses var '" + u.var() + "', which is defined after it; "
                            + "a var sees only the vars above it (move '" + u.var() + "' up)"));
                }
            }
        }
    }

    /** The names from {@code from} to {@code to} along uses, both included; null when there is no such path. */
    private static List<String> path(String from, String to, Map<String, List<Use>> uses) {
        Map<String, String> cameFrom = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        cameFrom.put(from, null);
        while (!queue.isEmpty()) {
            String v = queue.poll();
            if (v.equals(to)) {
                List<String> p = new ArrayList<>();
                for (String s = v; s != null; s = cameFrom.get(s)) {
                    p.add(0, s);
                }
                return p;
            }
            for (Use u : uses.getOrDefault(v, List.of())) {
                if (uses.containsKey(u.var()) && !cameFrom.containsKey(u.var())) {
                    cameFrom.put(u.var(), v);
                    queue.add(u.var());
                }
            }
        }
        return null;
    }

    private static void collect(Object value, List<Use> found) {
        if (value instanceof Text t && t.isTemplate()) {
            try {
                for (TemplateParts.Part p : TemplateParts.split(t)) {
                    if (p.expression()) {
                        uses(p, t, found);
                    }
                }
            } catch (ExprException e) {
                // a syntax error: RunbookValidator reports it
            }
        } else if (value instanceof Map<?, ?> m) {
            m.values().forEach(v -> collect(v, found));
        } else if (value instanceof List<?> l) {
            l.forEach(v -> collect(v, found));
        }
    }

    private static void uses(TemplateParts.Part p, Text t, List<Use> found) {
        for (List<String> ref : Expressions.analyze(p.text(), t, p.offset()).references()) {
            if (ref.size() > 1 && ref.get(0).equals("vars")) {
                int at = p.text().indexOf("vars." + ref.get(1));
                at = at >= 0 ? at : Math.max(0, p.text().indexOf("vars"));
                found.add(new Use(ref.get(1), t.posAt(p.offset() + at)));
            }
        }
    }
}
