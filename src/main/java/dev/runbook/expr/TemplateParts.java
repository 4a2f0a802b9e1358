package dev.runbook.expr;

import dev.runbook.model.Text;
import java.util.ArrayList;
import java.util.List;

/** Splits a template into literal text and {@code {{ expression }}} parts. */
public final class TemplateParts {

    /** A piece of a template: literal text, or an expression starting at {@code offset}. */
    public record Part(String text, boolean expression, int offset) {}

    private TemplateParts() {}

    /** @throws ExprException for a {@code {{} that is never closed or an empty expression */
    public static List<Part> split(Text template) {
        String s = template.value();
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            int open = s.indexOf("{{", i);
            if (open < 0) {
                parts.add(new Part(s.substring(i), false, i));
                break;
            }
            if (open > i) {
                parts.add(new Part(s.substring(i, open), false, i));
            }
            int close = s.indexOf("}}", open + 2);
            if (close < 0) {
                throw new ExprException(template.posAt(open), "'{{' is never closed with '}}'");
            }
            String inner = s.substring(open + 2, close);
            int lead = inner.length() - inner.stripLeading().length();
            if (inner.isBlank()) {
                throw new ExprException(template.posAt(open), "empty expression '{{ }}'");
            }
            parts.add(new Part(inner.strip(), true, open + 2 + lead));
            i = close + 2;
        }
        return parts;
    }

    /** Whether the whole template is one expression, so its value keeps its type (a list stays a list). */
    public static boolean isSingleExpression(List<Part> parts) {
        return parts.size() == 1 && parts.get(0).expression();
    }
}
