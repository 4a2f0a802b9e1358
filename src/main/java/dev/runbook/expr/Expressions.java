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
    /** Any letters, so that a name JEXL cannot read is reported by name; {@link #ASCII_NAME} is what it reads. */
    private static final Pattern IDENT = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_]*");
    private static final Pattern ASCII_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
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
    private static final String OPERATOR_CHARS = "+-*/%&|!=<>?:~^";
    private static final Set<String> WORD_OPERATORS = Set.of("and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge",
            "div", "mod");
    private static final Map<String, JexlExpression> CACHE = new ConcurrentHashMap<>();

    /** What an expression refers to: variable paths and called functions. */
    public record Analysis(List<List<String>> references, List<Call> functions) {}

    /** A function call and its offset inside the expression. */
    public record Call(String name, int offset) {}

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
            throw error(e, expr, origin, offset);
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
        List<Call> calls = scanCalls(expr, origin, offset);
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
        scanCalls(expr, origin, offset);
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

    /**
     * Finds function calls outside string literals; refuses method calls, names JEXL cannot read and
     * brackets nested deeper than {@link #MAX_NESTING}, each with its position.
     */
    private static List<Call> scanCalls(String expr, Text origin, int offset) {
        List<Call> calls = new ArrayList<>();
        int depth = 0;
        int operators = 0;
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = skipString(expr, i);
                continue;
            }
            if (OPERATOR_CHARS.indexOf(c) >= 0 && (i == 0 || OPERATOR_CHARS.indexOf(expr.charAt(i - 1)) < 0)) {
                operators += operatorsIn(expr, i);
            }
            Matcher m = IDENT.matcher(expr).region(i, expr.length());
            if ((Character.isLetter(c) || c == '_') && m.lookingAt()) {
                checkName(expr, m, origin, offset);
                operators += WORD_OPERATORS.contains(m.group()) ? 1 : 0;
                int j = m.end();
                while (j < expr.length() && expr.charAt(j) == ' ') {
                    j++;
                }
                if (j < expr.length() && expr.charAt(j) == '(') {
                    calls.add(call(expr, m, origin, offset));
                }
                i = m.end();
                continue;
            }
            depth += c == '(' || c == '[' || c == '{' ? 1 : c == ')' || c == ']' || c == '}' ? -1 : 0;
            if (operators > MAX_OPERATORS) {
                throw new ExprException(origin.posAt(offset + i), "more than " + MAX_OPERATORS
                        + " operators in one expression; split it (a var can hold a part of it)");
            }
            if (depth > MAX_NESTING) {
                throw new ExprException(origin.posAt(offset + i), "brackets nested more than " + MAX_NESTING
                        + " levels deep; split the expression (a var can hold a part of it)");
            }
            i++;
        }
        return calls;
    }

    /** A run of operator characters is one operator ({@code &&}) or more ({@code !!x}, {@code a&&!b}). */
    private static int operatorsIn(String expr, int start) {
        int end = start;
        while (end < expr.length() && OPERATOR_CHARS.indexOf(expr.charAt(end)) >= 0) {
            end++;
        }
        return Math.max(1, (end - start) / 2);
    }

    private static Call call(String expr, Matcher m, Text origin, int offset) {
        int i = m.start();
        if (i >= 2 && expr.charAt(i - 1) == ':' && Character.isLetterOrDigit(expr.charAt(i - 2))) {
            throw new ExprException(origin.posAt(offset + i), "namespaced calls ('ns:" + m.group()
                    + "(...)') are not allowed; only the built-in functions can be called");
        }
        if (previousNonSpace(expr, i) == '.') {
            throw new ExprException(origin.posAt(offset + i), "method calls are not allowed ('"
                    + m.group() + "(...)'); use a function such as len(x) or lower(x)");
        }
        return new Call(m.group(), i);
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

    private static char previousNonSpace(String s, int i) {
        for (int k = i - 1; k >= 0; k--) {
            if (s.charAt(k) != ' ') {
                return s.charAt(k);
            }
        }
        return 0;
    }

    private static int skipString(String s, int start) {
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
                int end = skipString(expr, i);
                out.append(expr, i, end);
                i = end;
                continue;
            }
            if (Character.isLetter(c) || c == '_') {
                Matcher m = IDENT.matcher(expr).region(i, expr.length());
                m.lookingAt();
                String name = m.group();
                int j = m.end();
                while (j < expr.length() && expr.charAt(j) == ' ') {
                    j++;
                }
                boolean call = j < expr.length() && expr.charAt(j) == '(' && previousNonSpace(expr, i) != '.';
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
        if (cause instanceof IllegalArgumentException || cause instanceof ArithmeticException) {
            return cause.getMessage();
        }
        String msg = LOCATION.matcher(String.valueOf(e.getMessage())).replaceFirst("");
        if (msg.isBlank() || msg.equals("null") || msg.endsWith(" null")) {
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
        if (e instanceof JexlException.Property || e instanceof JexlException.Variable) {
            return msg.replace("undefined property '.", "undefined property '") + " in '" + expr + "'";
        }
        return msg;
    }

    private static String messageOf(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Names the expression language knows besides functions, for validation. */
    public static final Set<String> ROOTS = Set.of("params", "vars", "secrets", "steps", "host", "item",
            "loop", "run", "result", "runbook");
}
