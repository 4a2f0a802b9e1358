package dev.runbook.expr;

import dev.runbook.model.SourcePos;
import dev.runbook.model.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlExpression;
import org.apache.commons.jexl3.JexlInfo;
import org.apache.commons.jexl3.JexlScript;
import org.apache.commons.jexl3.MapContext;

/** Compiles and evaluates sandboxed expressions, mapping every error into the runbook file. */
public final class Expressions {
    /** Function names that are Java keywords, implemented under another name. */
    private static final Map<String, String> RENAMED = Map.of("int", "_int", "float", "_float", "default", "_default");
    /**
     * How deep brackets may nest. JEXL parses and evaluates by recursion, and some hundreds of
     * levels overflow the stack; no runbook needs more than a few.
     */
    public static final int MAX_NESTING = 64;
    /**
     * How many operators one expression may hold: JEXL nests a chain of them ({@code a ?? b ?? c})
     * as it nests brackets, and about a thousand overflowed the stack. A limit that does not
     * depend on the stack size gives the same answer on every machine.
     */
    public static final int MAX_OPERATORS = 256;
    private static final Map<String, JexlExpression> CACHE = new ConcurrentHashMap<>();

    /** What an expression refers to: variable paths and called functions. */
    public record Analysis(List<List<String>> references, List<Call> functions) {}

    /** A function call, its offset inside the expression and how many arguments it is given. */
    public record Call(String name, int offset, int arguments) {}

    private Expressions() {}

    /**
     * Evaluates {@code expr}, which sits at {@code offset} inside {@code origin} (for positions).
     *
     * @throws ExprException pointing into the expression on any error
     */
    public static Object evaluate(String expr, Text origin, int offset, Map<String, Object> scope) {
        JexlExpression compiled = compile(expr, origin, offset);
        try {
            return compiled.evaluate(new MapContext(scope));
        } catch (JexlException e) {
            ExprException ex = error(e, expr, origin, offset);
            String nulled = e instanceof JexlException.Property p ? nullProperty(p, rewrite(expr), scope) : null;
            throw nulled == null ? ex : new ExprException(ex.pos(), nulled + " is null in '" + expr
                    + "' (nothing can be read from null); give a default with ?? or default(x, ...)");
        } catch (RuntimeException e) {
            throw new ExprException(origin.posAt(offset), messageOf(e));
        } catch (StackOverflowError e) {
            throw tooDeep(origin, offset);
        }
    }

    /** Evaluates a whole text as one expression (the form of {@code when}, {@code assert}). */
    public static Object evaluate(Text expr, Map<String, Object> scope) {
        return evaluate(expr.value(), expr, 0, scope);
    }

    /** Evaluates a condition; anything but a boolean is an error, not a guess. */
    public static boolean test(Text expr, Map<String, Object> scope) {
        Object v = evaluate(expr, scope);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ExprException(expr.posAt(0), "condition '" + expr.value() + "' gave "
                + (v == null ? "null" : "'" + Functions.str(v) + "'") + ", not true or false");
    }

    /**
     * Parses an expression and lists what it refers to.
     *
     * @throws ExprException for syntax errors and forbidden constructs
     */
    public static Analysis analyze(String expr, Text origin, int offset) {
        List<Call> calls = ExpressionScan.scan(expr, origin, offset);
        String rewritten = rewrite(expr);
        try {
            JexlExpression compiled = Sandbox.ENGINE.createExpression(rewritten);
            List<List<String>> refs = new ArrayList<>();
            if (compiled instanceof JexlScript script) {
                for (List<String> v : script.getVariables()) {
                    if (v.contains("class")) {
                        throw new ExprException(origin.posAt(offset + Math.max(0, expr.indexOf("class"))),
                                "'class' is not accessible from an expression");
                    }
                    refs.add(List.copyOf(v));
                }
            }
            return new Analysis(refs, calls);
        } catch (JexlException e) {
            throw error(e, expr, origin, offset);
        } catch (StackOverflowError e) {
            throw tooDeep(origin, offset);
        }
    }

    /** A long chain of operators (thousands of {@code a + b}) nests as deep as brackets do. */
    private static ExprException tooDeep(Text origin, int offset) {
        return new ExprException(origin.posAt(offset), "the expression nests too deeply to be read "
                + "(a chain of thousands of operators?); split it (a var can hold a part of it)");
    }

    private static JexlExpression compile(String expr, Text origin, int offset) {
        JexlExpression cached = CACHE.get(expr);
        if (cached != null) {
            return cached;
        }
        ExpressionScan.scan(expr, origin, offset);
        try {
            JexlExpression compiled = Sandbox.ENGINE.createExpression(rewrite(expr));
            if (CACHE.size() < 10_000) {
                CACHE.put(expr, compiled);
            }
            return compiled;
        } catch (JexlException e) {
            throw error(e, expr, origin, offset);
        } catch (StackOverflowError e) {
            throw tooDeep(origin, offset);
        }
    }

    private static final Pattern HYPHENATED_ID = Pattern.compile("[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+");

    /**
     * Renames calls of functions whose names Java reserves, and turns {@code steps.restart-db} into
     * {@code steps['restart-db']} (step ids may hold hyphens); string literals stay as written.
     */
    static String rewrite(String expr) {
        if (RENAMED.keySet().stream().noneMatch(expr::contains) && !(expr.contains("steps.") && expr.contains("-"))) {
            return expr;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int end = ExpressionScan.skipString(expr, i);
                out.append(expr, i, end);
                i = end;
                continue;
            }
            if (Character.isLetter(c) || c == '_') {
                Matcher m = ExpressionScan.NAME.matcher(expr).region(i, expr.length());
                m.lookingAt();
                String name = m.group();
                int j = m.end();
                while (j < expr.length() && expr.charAt(j) == ' ') {
                    j++;
                }
                boolean call = j < expr.length() && expr.charAt(j) == '(' && ExpressionScan.previousNonSpace(expr, i) != '.';
                if (name.equals("steps") && m.end() < expr.length() && expr.charAt(m.end()) == '.'
                        && (i == 0 || expr.charAt(i - 1) != '.')) {
                    Matcher id = HYPHENATED_ID.matcher(expr).region(m.end() + 1, expr.length());
                    if (id.lookingAt()) {
                        out.append("steps['").append(id.group()).append("']");
                        i = id.end();
                        continue;
                    }
                }
                out.append(call && RENAMED.containsKey(name) ? RENAMED.get(name) : name);
                i = m.end();
                continue;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /**
     * JEXL calls a property "undefined" both when it is missing and when it holds null and something
     * is read from it, and names the wrong one when a null is indexed. Which property (or list item)
     * is there and null, read again along the path, or null when that cannot be told.
     */
    private static String nullProperty(JexlException.Property e, String rewritten, Map<String, Object> scope) {
        String property = e.getProperty();
        if (property == null || property.isEmpty()) {
            return null;
        }
        if (!e.isUndefined()) {
            // "null value property 'p'": the path before p is null; the column points at p
            JexlInfo info = e.getInfo();
            int at = info == null || info.getLine() != 1 ? -1 : info.getColumn() - 1;
            if (at < 1 || at > rewritten.length()) {
                return null;
            }
            char before = rewritten.charAt(at - 1);
            return nullAt(rewritten, before == '[' || before == '.' ? at - 1 : at, scope);
        }
        for (int at = rewritten.indexOf(property); at >= 0; at = rewritten.indexOf(property, at + 1)) {
            String found = nullAt(rewritten, at + property.length(), scope);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The path of {@code text} that ends at {@code end}, when its last property or item is there and null: its name. */
    private static String nullAt(String text, int end, Map<String, Object> scope) {
        int start = end;
        while (start > 0) {
            char c = text.charAt(start - 1);
            if (c == ']') {
                start = text.lastIndexOf('[', start - 1);
                if (start < 0) {
                    return null;
                }
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                start--;
            } else {
                break;
            }
        }
        String path = text.substring(start, end);
        int cut = path.endsWith("]") ? path.lastIndexOf('[') : path.lastIndexOf('.');
        if (cut <= 0) {
            return null;
        }
        String name = path.substring(cut).replaceAll("^\\.|^\\[['\"]?|['\"]?]$", "");
        try {
            Object parent = Sandbox.ENGINE.createExpression(path.substring(0, cut)).evaluate(new MapContext(scope));
            if (parent instanceof Map<?, ?> m && m.containsKey(name) && m.get(name) == null) {
                return "property '" + name + "'";
            }
            if (parent instanceof List<?> l && name.matches("\\d{1,9}") && Integer.parseInt(name) < l.size()
                    && l.get(Integer.parseInt(name)) == null) {
                return "item " + name;
            }
        } catch (JexlException | StackOverflowError again) {
            // not a plain path after all
        }
        return null;
    }

    private static final Pattern LOCATION = Pattern.compile("^.*?@\\d+:\\d+(?:!\\[\\d+,\\d+\\]: '.*?')?\\s*");

    static ExprException error(JexlException e, String expr, Text origin, int offset) {
        JexlInfo info = e.getInfo();
        int col = 1;
        if (info != null && info.getLine() >= 1) {
            int line = info.getLine();
            col = Math.max(1, info.getColumn());
            int lineStart = 0;
            for (int l = 1; l < line; l++) {
                int nl = expr.indexOf('\n', lineStart);
                if (nl < 0) {
                    break;
                }
                lineStart = nl + 1;
            }
            col = lineStart + col;
        }
        SourcePos pos = origin.posAt(offset + Math.min(col - 1, expr.length()));
        return new ExprException(pos, describe(e, expr));
    }

    private static String describe(JexlException e, String expr) {
        Throwable cause = e.getCause();
        if ((cause instanceof IllegalArgumentException || cause instanceof ArithmeticException) && cause.getMessage() != null) {
            return firstLine(cause.getMessage());
        }
        String msg = LOCATION.matcher(String.valueOf(e.getMessage())).replaceFirst("");
        // JEXL's strict arithmetic refuses a null operand with a message-less ArithmeticException
        if (msg.isBlank() || msg.equals("null") || msg.endsWith(" null") || cause instanceof ArithmeticException) {
            return "a value in '" + expr + "' is null (missing result or field); give a default with ?? or default(x, ...)";
        }
        if (e instanceof JexlException.Feature) {
            if (msg.contains("assign")) {
                return "assignment is not allowed in an expression (did you mean '=='?)";
            }
            if (msg.contains("create instance")) {
                return "'new' is not allowed in an expression";
            }
            return "not allowed in an expression: " + msg.replace(" error", "");
        }
        if (e instanceof JexlException.Parsing || e instanceof JexlException.Ambiguous) {
            return "syntax error in expression '" + expr + "'" + (msg.isBlank() ? "" : ": " + msg);
        }
        if (e instanceof JexlException.Method) {
            Matcher m = Pattern.compile("'(\\w+)\\(").matcher(msg);
            if (m.find()) {
                String name = m.group(1).replaceFirst("^_", "");
                return Functions.NAMES.contains(name)
                        ? "wrong arguments for function '" + name + "()'"
                        : "unknown function '" + name + "()'";
            }
        }
        if (e instanceof JexlException.Property p && !p.isUndefined()) {
            return "a value in '" + expr + "' is null (missing result or field); give a default with ?? or default(x, ...)";
        }
        if (e instanceof JexlException.Property || e instanceof JexlException.Variable) {
            return msg.replace("undefined property '.", "undefined property '") + " in '" + expr + "'";
        }
        return msg;
    }

    private static String messageOf(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
    }

    /** Every diagnostic is one line; a message of a library may not be (a regex error spans three). */
    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl).stripTrailing();
    }

    /** Names the expression language knows besides functions, for validation. */
    public static final Set<String> ROOTS = Set.of("params", "vars", "secrets", "steps", "host", "item",
            "loop", "run", "result", "runbook");
}
