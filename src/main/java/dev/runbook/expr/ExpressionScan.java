package dev.runbook.expr;

import dev.runbook.model.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an expression's text before JEXL does: finds the function calls, and refuses with a
 * position what JEXL would refuse without one (method calls, names it cannot read) or would
 * overflow the stack on (deep nesting, long operator chains).
 */
final class ExpressionScan {
    /** Any letters, so that a name JEXL cannot read is reported by name; ASCII_NAME is what it reads. */
    static final Pattern NAME = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_]*");
    private static final Pattern ASCII_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /**
     * A literal zero right of {@code /} or {@code %}: nothing binds tighter, so {@code x / 0 + 1}
     * divides by zero too; {@code x / 0.5} and {@code x / 0x10} do not.
     */
    private static final Pattern ZERO = Pattern.compile("\\s*0+(\\.0*)?(?![\\w.])");
    private static final String OPERATOR_CHARS = "+-*/%&|!=<>?:~^";
    private static final Set<String> WORD_OPERATORS = Set.of("and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge",
            "div", "mod");
    private final String expr;
    private final Text origin;
    private final int offset;
    private final List<Expressions.Call> calls = new ArrayList<>();
    /** Where regex operands start: right of {@code =~}, {@code !~}, and the second argument of matches() and find(). */
    private final List<Integer> regexes = new ArrayList<>();
    private int depth;
    private int operators;

    private ExpressionScan(String expr, Text origin, int offset) {
        this.expr = expr;
        this.origin = origin;
        this.offset = offset;
    }

    /**
     * Finds function calls outside string literals; refuses method calls, names JEXL cannot read,
     * nesting beyond {@link Expressions#MAX_NESTING}, more than {@link Expressions#MAX_OPERATORS}
     * operators, regex literals that do not compile and division by a literal 0, each with its position.
     */
    static List<Expressions.Call> scan(String expr, Text origin, int offset) {
        ExpressionScan scan = new ExpressionScan(expr, origin, offset);
        scan.walk();
        for (Expressions.Call call : scan.calls) {
            if (call.name().equals("matches") || call.name().equals("find")) {
                int comma = endOfArgument(expr, expr.indexOf('(', call.offset()) + 1);
                if (comma < expr.length() && expr.charAt(comma) == ',') {
                    scan.regexes.add(comma + 1);
                }
            }
        }
        for (int at : scan.regexes) {
            checkRegex(expr, at, origin, offset);
        }
        return scan.calls;
    }

    private void walk() {
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            Matcher m = NAME.matcher(expr).region(i, expr.length());
            if (c == '\'' || c == '"' || c == '`') {
                i = skipString(expr, i);
            } else if ((Character.isLetter(c) || c == '_') && m.lookingAt()) {
                name(m);
                i = m.end();
            } else {
                symbol(c, i);
                i++;
            }
        }
    }

    private void name(Matcher m) {
        checkName(expr, m, origin, offset);
        operators += WORD_OPERATORS.contains(m.group()) ? 1 : 0;
        int j = m.end();
        while (j < expr.length() && expr.charAt(j) == ' ') {
            j++;
        }
        if (j < expr.length() && expr.charAt(j) == '(') {
            calls.add(call(expr, m, origin, offset));
        }
    }

    private void symbol(char c, int i) {
        if ((c == '/' || c == '%') && ZERO.matcher(expr).region(i + 1, expr.length()).lookingAt()) {
            throw new ExprException(origin.posAt(offset + i), "division by zero ('" + c + "' with 0 on the right)");
        }
        if ((c == '=' || c == '!') && i + 1 < expr.length() && expr.charAt(i + 1) == '~') {
            regexes.add(i + 2);
        }
        if (OPERATOR_CHARS.indexOf(c) >= 0 && (i == 0 || OPERATOR_CHARS.indexOf(expr.charAt(i - 1)) < 0)) {
            operators += operatorsIn(expr, i);
        }
        depth += c == '(' || c == '[' || c == '{' ? 1 : c == ')' || c == ']' || c == '}' ? -1 : 0;
        if (operators > Expressions.MAX_OPERATORS) {
            throw new ExprException(origin.posAt(offset + i), "more than " + Expressions.MAX_OPERATORS
                    + " operators in one expression; split it (a var can hold a part of it)");
        }
        if (depth > Expressions.MAX_NESTING) {
            throw new ExprException(origin.posAt(offset + i), "brackets nested more than " + Expressions.MAX_NESTING
                    + " levels deep; split the expression (a var can hold a part of it)");
        }
    }

    /** How many arguments the call whose '(' is at {@code open} is given: {@code f()} none, {@code f(a, b)} two. */
    private static int arguments(String expr, int open) {
        int i = open + 1;
        while (i < expr.length() && expr.charAt(i) == ' ') {
            i++;
        }
        if (i >= expr.length() || expr.charAt(i) == ')') {
            return 0;
        }
        int n = 1;
        for (int end = endOfArgument(expr, i); end < expr.length() && expr.charAt(end) == ','; end = endOfArgument(expr, end + 1)) {
            n++;
        }
        return n;
    }

    /** The index of the ',' or ')' that ends the argument starting at {@code start}. */
    private static int endOfArgument(String expr, int start) {
        int depth = 0;
        int i = start;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = skipString(expr, i);
                continue;
            }
            if (depth == 0 && (c == ',' || c == ')')) {
                return i;
            }
            depth += c == '(' || c == '[' || c == '{' ? 1 : c == ')' || c == ']' || c == '}' ? -1 : 0;
            i++;
        }
        return i;
    }

    /**
     * A regular expression written as a literal ({@code x =~ '^err'}, {@code matches(x, '[0-9]+')})
     * is compiled now, so that a wrong one fails validation, not the run. Only a literal that is
     * the whole operand counts: {@code x =~ 'a' + y} is known when it runs.
     */
    private static void checkRegex(String expr, int start, Text origin, int offset) {
        int i = start;
        while (i < expr.length() && expr.charAt(i) == ' ') {
            i++;
        }
        if (i >= expr.length() || (expr.charAt(i) != '\'' && expr.charAt(i) != '"')) {
            return;
        }
        int end = skipString(expr, i);
        int next = end;
        while (next < expr.length() && expr.charAt(next) == ' ') {
            next++;
        }
        if (next < expr.length() && ")]},&|?:".indexOf(expr.charAt(next)) < 0) {
            return;
        }
        try {
            Object regex = Sandbox.ENGINE.createExpression(expr.substring(i, end)).evaluate(null);
            java.util.regex.Pattern.compile(String.valueOf(regex));
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new ExprException(origin.posAt(offset + i), Arithmetic.invalid(e));
        } catch (RuntimeException e) {
            // not a plain literal after all: JEXL reports it when it parses the whole expression
        }
    }

    /** A run of operator characters is one operator ({@code &&}) or more ({@code !!x}, {@code a&&!b}). */
    private static int operatorsIn(String expr, int start) {
        int end = start;
        while (end < expr.length() && OPERATOR_CHARS.indexOf(expr.charAt(end)) >= 0) {
            end++;
        }
        return Math.max(1, (end - start) / 2);
    }

    private static Expressions.Call call(String expr, Matcher m, Text origin, int offset) {
        int i = m.start();
        if (i >= 2 && expr.charAt(i - 1) == ':' && Character.isLetterOrDigit(expr.charAt(i - 2))) {
            throw new ExprException(origin.posAt(offset + i), "namespaced calls ('ns:" + m.group()
                    + "(...)') are not allowed; only the built-in functions can be called");
        }
        if (previousNonSpace(expr, i) == '.') {
            throw new ExprException(origin.posAt(offset + i), "method calls are not allowed ('"
                    + m.group() + "(...)'); use a function such as len(x) or lower(x)");
        }
        return new Expressions.Call(m.group(), i, arguments(expr, expr.indexOf('(', m.end())));
    }

    /** Every name a runbook defines is ASCII, so a name with other letters is unknown, whatever it follows. */
    private static void checkName(String expr, Matcher m, Text origin, int offset) {
        if (ASCII_NAME.matcher(m.group()).matches()) {
            return;
        }
        String before = expr.substring(0, m.start()).stripTrailing();
        String what = "name";
        for (String root : List.of("params", "vars", "secrets", "steps")) {
            if (before.endsWith(root + ".") && (before.length() == root.length() + 1
                    || !Character.isLetterOrDigit(before.charAt(before.length() - root.length() - 2)))) {
                what = root.equals("steps") ? "step" : root.substring(0, root.length() - 1);
            }
        }
        throw new ExprException(origin.posAt(offset + m.start()), "unknown " + what + " '" + m.group()
                + "'; names are ASCII letters, digits and '_'");
    }

    static char previousNonSpace(String s, int i) {
        for (int k = i - 1; k >= 0; k--) {
            if (s.charAt(k) != ' ') {
                return s.charAt(k);
            }
        }
        return 0;
    }

    static int skipString(String s, int start) {
        char quote = s.charAt(start);
        int i = start + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == quote) {
                return i + 1;
            }
            i++;
        }
        return s.length();
    }
}
