package dev.runbook.expr;

import dev.runbook.expr.TemplateParts.Part;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Text;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders {@code {{ }}} templates for where the text is going. Each mode decides how a value is
 * spliced so that it cannot change the meaning of the surrounding text:
 * <ul>
 *   <li>{@link Mode#SHELL}: one shell word, whatever the quoting around it; secrets travel in
 *       environment variables, never on the command line</li>
 *   <li>{@link Mode#SQL}: a bind parameter ({@code ?}); {@code ident()} a quoted identifier</li>
 *   <li>{@link Mode#URL}: a value that starts the URL is taken as it is (a base URL); any value
 *       after it is percent-encoded, so it stays one path segment or query value</li>
 *   <li>{@link Mode#PLAIN}: the text itself, secrets revealed (HTTP headers and bodies)</li>
 *   <li>{@link Mode#DISPLAY}: the text itself with every secret as {@code ****}</li>
 * </ul>
 * {@code raw(...)} splices unquoted text in every mode. What people see of a rendered text is
 * rendered apart ({@link #shown}), with {@code ****} for each secret before any encoding: masking
 * the real text afterwards would miss a secret the mode has encoded.
 */
public final class Templates {

    public enum Mode { SHELL, SQL, URL, PLAIN, DISPLAY }

    /**
     * Scope key a dry run sets to the ids of steps it did not execute: an expression that uses one
     * of them, or a root whose whole value is {@link Unknown}, renders as {@code <expression>}
     * instead of a guess.
     */
    public static final String UNKNOWN_STEPS = "\u0000unknown-steps";

    /**
     * A rendered template.
     *
     * @param env   environment variables the text refers to (secret values), for SHELL
     * @param binds bind parameter values in order, for SQL
     */
    public record Rendered(String text, Map<String, String> env, List<Object> binds) {}

    private Templates() {}

    public static Rendered render(Text template, Map<String, Object> scope, Mode mode) {
        return render(template, scope, mode, true);
    }

    /**
     * Renders as {@code mode} does, for people: each secret is {@code ****}, spliced as it is
     * (not percent-encoded in a URL; a bind parameter's value {@code ****}; in a shell command the
     * variable that carries it, as always).
     */
    public static Rendered shown(Text template, Map<String, Object> scope, Mode mode) {
        return render(template, scope, mode, false);
    }

    private static Rendered render(Text template, Map<String, Object> scope, Mode mode, boolean reveal) {
        List<Part> parts = TemplateParts.split(template);
        Splices splices = new Splices(mode == Mode.SHELL ? ShellSurvey.of(parts) : null);
        StringBuilder out = new StringBuilder();
        SqlQuoting.Context sql = SqlQuoting.Context.CODE;
        for (Part part : parts) {
            if (!part.expression()) {
                out.append(part.text());
                sql = SqlQuoting.advance(part.text(), sql);
                continue;
            }
            SourcePos at = template.posAt(part.offset());
            int index = splices.next(at);
            if (dependsOnUnknown(part, template, scope)) {
                out.append('<').append(part.text()).append('>');
                continue;
            }
            Object value = Expressions.evaluate(part.text(), template, part.offset(), scope);
            if (value instanceof Unknown) {
                out.append(value);
                continue;
            }
            if (value instanceof Secret s && !reveal) {
                // as is in a URL: percent-encoded, the mask would read %2A%2A%2A%2A
                value = mode == Mode.URL ? new Raw(Secret.MASK) : s.masked();
            }
            switch (mode) {
                case SHELL -> out.append(splices.shell(index, value));
                case SQL -> out.append(spliceSql(value, sql, splices.binds, at));
                case URL -> {
                    String v = value instanceof Secret s ? s.reveal() : text(value);
                    out.append(value instanceof Raw || out.length() == 0 ? v : Functions.urlencode(v));
                }
                case PLAIN -> out.append(value instanceof Secret s ? s.reveal() : text(value));
                case DISPLAY -> out.append(text(value));
            }
        }
        splices.checkHeredocs();
        return new Rendered(out.toString(), splices.env, splices.binds);
    }

    /** What one rendering has spliced so far: where each value went, what it became, what it needs. */
    private static final class Splices {
        private final ShellSurvey shell;
        private final List<SourcePos> positions = new ArrayList<>();
        private final List<String> words = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<Object> binds = new ArrayList<>();

        Splices(ShellSurvey shell) {
            this.shell = shell;
        }

        int next(SourcePos at) {
            positions.add(at);
            words.add(null);
            return positions.size() - 1;
        }

        String shell(int index, Object value) {
            String word = spliceShell(value, shell.sites().get(index), env, positions.get(index));
            words.set(index, word);
            return word;
        }

        void checkHeredocs() {
            int early = shell == null ? -1 : shell.endsHeredocEarly(words);
            if (early >= 0) {
                throw new ExprException(positions.get(early),
                        "a spliced value makes a line of the here-document its delimiter, which would end the here-document early");
            }
        }
    }

    private static boolean dependsOnUnknown(Part part, Text template, Map<String, Object> scope) {
        java.util.Set<?> unknown = scope.get(UNKNOWN_STEPS) instanceof java.util.Set<?> s ? s : java.util.Set.of();
        boolean unknownRoot = false;
        for (Object v : scope.values()) {
            unknownRoot |= v instanceof Unknown;
        }
        if (unknown.isEmpty() && !unknownRoot) {
            return false;
        }
        for (List<String> ref : Expressions.analyze(part.text(), template, part.offset()).references()) {
            // steps[...] with a computed id may name any step, and some have no result in a plan
            if (ref.get(0).equals("steps") && !unknown.isEmpty() && (ref.size() == 1 || unknown.contains(ref.get(1)))) {
                return true;
            }
            // a whole root not known yet (a check's result in a plan): whatever is made of it is not known either
            if (scope.get(ref.get(0)) instanceof Unknown) {
                return true;
            }
        }
        return false;
    }

    /** Renders to a string for people: secrets masked. */
    public static String display(Text template, Map<String, Object> scope) {
        return render(template, scope, Mode.DISPLAY).text();
    }

    /** Renders to a string for a machine that needs the real values (secrets revealed). */
    public static String plain(Text template, Map<String, Object> scope) {
        return render(template, scope, Mode.PLAIN).text();
    }

    /**
     * The value of a template: a template that is exactly one {@code {{ expr }}} keeps the
     * value's type (a list stays a list); anything else is a string.
     */
    public static Object value(Text template, Map<String, Object> scope) {
        List<Part> parts = TemplateParts.split(template);
        if (TemplateParts.isSingleExpression(parts) && template.value().strip().startsWith("{{")
                && template.value().strip().endsWith("}}")) {
            Part p = parts.get(0);
            if (dependsOnUnknown(p, template, scope)) {
                return "<" + p.text() + ">";
            }
            return Expressions.evaluate(p.text(), template, p.offset(), scope);
        }
        if (parts.stream().noneMatch(Part::expression)) {
            return template.value();
        }
        return render(template, scope, Mode.PLAIN).text();
    }

    /** Renders every template inside a YAML value (maps, lists, strings) to plain data. */
    public static Object deepValue(Object yaml, Map<String, Object> scope) {
        if (yaml instanceof Text t) {
            return value(t, scope);
        }
        if (yaml instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), deepValue(v, scope)));
            return out;
        }
        if (yaml instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(deepValue(v, scope)));
            return out;
        }
        return yaml;
    }

    /**
     * Renders every template inside a YAML value (maps, lists, strings) to data that leaves the
     * step: a request body or message, a called runbook's params, loop items. As {@link #deepValue},
     * but a string made from a secret and other text is a {@link Secret} itself, so that it is shown
     * as {@code ****} (its JSON too) and spliced into a command through a variable.
     */
    public static Object data(Object yaml, Map<String, Object> scope) {
        if (yaml instanceof Text t) {
            Object v = value(t, scope);
            return v instanceof String s && !s.equals(display(t, scope)) ? Secret.derived(s) : v;
        }
        if (yaml instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), data(v, scope)));
            return out;
        }
        if (yaml instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(data(v, scope)));
            return out;
        }
        return yaml;
    }

    /** A value as text: lists and maps as JSON, null as empty. */
    public static String text(Object value) {
        return Functions.str(value);
    }

    private static String spliceShell(Object value, ShellSite ctx, Map<String, String> env, SourcePos at) {
        if (value instanceof Raw raw) {
            return raw.text();
        }
        try {
            if (value instanceof Secret secret) {
                // two secrets of one name (a derived one beside another) each keep a variable of their own
                String name = secret.envName();
                for (int n = 2; env.containsKey(name) && !env.get(name).equals(secret.reveal()); n++) {
                    name = secret.envName() + "_" + n;
                }
                env.put(name, secret.reveal());
                return ShellQuoting.envRef(name, ctx);
            }
            if (value instanceof Collection<?> || value instanceof Map<?, ?>) {
                throw new ExprException(at, "a list or mapping cannot be spliced into a command as one word; "
                        + "use join(x, ' ') inside raw() with quote(), or loop over it");
            }
            return ShellQuoting.splice(text(value), ctx);
        } catch (IllegalArgumentException e) {
            throw new ExprException(at, e.getMessage());
        }
    }

    private static String spliceSql(Object value, SqlQuoting.Context ctx, List<Object> binds, SourcePos at) {
        if (value instanceof Raw raw) {
            return raw.text();
        }
        if (value instanceof Ident ident) {
            if (ctx != SqlQuoting.Context.CODE) {
                throw new ExprException(at, "ident() cannot be used inside a quoted SQL string");
            }
            return SqlQuoting.identifier(ident.name());
        }
        if (ctx != SqlQuoting.Context.CODE) {
            throw new ExprException(at, "a value inside a quoted SQL string cannot be a bind parameter; "
                    + "write the template without the quotes around it");
        }
        if (value instanceof Collection<?> || value instanceof Map<?, ?>) {
            throw new ExprException(at, "a list or mapping cannot be a SQL bind parameter");
        }
        binds.add(value instanceof Secret s ? s.reveal() : value);
        return "?";
    }
}
