package dev.runbook.expr;

import java.math.MathContext;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.commons.jexl3.JexlArithmetic;
import org.apache.commons.jexl3.JexlOperator;

/**
 * JEXL's arithmetic with the meanings runbook authors expect and errors they can read:
 * {@code x =~ 'regex'} searches the text like {@code matches()} and bash's {@code [[ =~ ]]} (JEXL
 * matches the whole text); with a list or mapping on the right it stays membership. Division by
 * zero and comparisons of values that do not compare say so, with the types involved.
 */
final class Arithmetic extends JexlArithmetic {

    Arithmetic(boolean strict) {
        super(strict);
    }

    // JEXL derives an arithmetic for other options through this constructor (found by reflection)
    public Arithmetic(boolean strict, MathContext context, int scale) {
        super(strict, context, scale);
    }

    @Override
    protected JexlArithmetic createWithOptions(boolean strict, MathContext context, int scale) {
        return new Arithmetic(strict, context, scale);
    }

    /** {@code value =~ container}: a search when the container is text, else JEXL's membership. */
    @Override
    public Boolean contains(Object container, Object value) {
        if (container instanceof CharSequence regex && value != null) {
            return pattern(regex.toString()).matcher(Functions.str(value)).find();
        }
        return super.contains(container, value);
    }

    /**
     * Compiles a regular expression; a wrong one is one line naming it (Java's message spans three,
     * with a caret under the text).
     */
    static Pattern pattern(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(invalid(e));
        }
    }

    static String invalid(PatternSyntaxException e) {
        return "invalid regular expression '" + e.getPattern() + "': " + e.getDescription()
                + (e.getIndex() >= 0 ? " near index " + e.getIndex() : "");
    }

    @Override
    public Object divide(Object left, Object right) {
        try {
            return super.divide(left, right);
        } catch (ArithmeticException e) {
            throw byZero(e, "/");
        }
    }

    @Override
    public Object mod(Object left, Object right) {
        try {
            return super.mod(left, right);
        } catch (ArithmeticException e) {
            throw byZero(e, "%");
        }
    }

    private static ArithmeticException byZero(ArithmeticException e, String op) {
        // JEXL's message for a zero divisor is the bare operator
        return op.equals(e.getMessage()) ? new ArithmeticException("division by zero ('" + op + "' with 0 on the right)") : e;
    }

    @Override
    protected int compare(Object left, Object right, JexlOperator operator) {
        if (left == null || right == null) {
            throw new ArithmeticException("cannot compare " + describe(left) + " with " + describe(right)
                    + " ('" + operator.getOperatorSymbol() + "'); a missing result or field? give a default with ??");
        }
        try {
            return super.compare(left, right, operator);
        } catch (ArithmeticException e) {
            throw new ArithmeticException("cannot compare " + describe(left) + " with " + describe(right)
                    + " ('" + operator.getOperatorSymbol() + "'); convert with int() or float(), or compare text with str()");
        }
    }

    /** A value for a message: its kind and, for a scalar, a short form of it. */
    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Collection<?> || v.getClass().isArray()) {
            return "a list";
        }
        if (v instanceof Map<?, ?>) {
            return "a mapping";
        }
        String text = Functions.str(v);
        text = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        if (v instanceof Number) {
            return "the number " + text;
        }
        if (v instanceof Boolean) {
            return "the boolean " + text;
        }
        return "the string '" + text + "'";
    }
}
