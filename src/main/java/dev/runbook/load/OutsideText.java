package dev.runbook.load;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.TemplateParts;
import dev.runbook.model.Text;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which references read text from outside the runbook: params, step output, or a var made from
 * them. raw() of such text is warned about; raw() of a literal, a plain var or a host var is the
 * author's own configuration, as trusted as the runbook.
 */
final class OutsideText {
    private OutsideText() {}

    /** Whether a reference ({@code [params, x]}, {@code [vars, y]}...) reads outside text. */
    static boolean reads(List<String> ref, Set<String> outsideVars) {
        String root = ref.get(0);
        return root.equals("params") || root.equals("steps") || root.equals("result")
                || (root.equals("vars") && ref.size() > 1 && outsideVars.contains(ref.get(1)));
    }

    /** The vars whose templates use params, directly or through vars above them (vars see no steps). */
    static Set<String> vars(Map<String, Object> vars) {
        Set<String> outside = new HashSet<>();
        vars.forEach((name, value) -> {
            if (uses(value, outside)) {
                outside.add(name);
            }
        });
        return outside;
    }

    private static boolean uses(Object value, Set<String> outside) {
        if (value instanceof Text t && t.isTemplate()) {
            try {
                for (TemplateParts.Part p : TemplateParts.split(t)) {
                    if (p.expression() && Expressions.analyze(p.text(), t, p.offset()).references().stream()
                            .anyMatch(r -> reads(r, outside))) {
                        return true;
                    }
                }
            } catch (ExprException e) {
                return false; // reported where the var is validated
            }
        } else if (value instanceof Map<?, ?> m) {
            return m.values().stream().anyMatch(v -> uses(v, outside));
        } else if (value instanceof List<?> l) {
            return l.stream().anyMatch(v -> uses(v, outside));
        }
        return false;
    }
}
