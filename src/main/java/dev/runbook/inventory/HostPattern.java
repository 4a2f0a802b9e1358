package dev.runbook.inventory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A host pattern as Ansible reads one ({@code ansible.inventory.manager}): terms separated by
 * {@code ,} or {@code :}, each a group or host name, a shell-style wildcard ({@code web*},
 * {@code db-?}) or a regex ({@code ~web\d+}), optionally with a subscript ({@code web[0]},
 * {@code web[1:3]}) and prefixed by {@code &} (intersection) or {@code !} (exclusion). Unions are
 * applied first, then intersections, then exclusions, whatever order they were written in.
 *
 * <p>Stricter than Ansible where it silently ignores: an empty term ({@code web:}, {@code a,,b}) or
 * a bare operator is malformed, not skipped.
 */
record HostPattern(String text, List<Term> terms) {

    enum Op { UNION, INTERSECT, EXCLUDE }

    /**
     * One term. {@code expr} is the name or wildcard as written; {@code regex} matches names.
     * Ansible looks for hosts by a term only when no group matched it, unless the term is a regex
     * or contains one of {@code . ? * [}: then {@code alwaysHosts}.
     *
     * @param from first index of the subscript, or null when there is none
     * @param to   last index (inclusive) of a range subscript; null for a single index, -1 for open-ended
     */
    record Term(Op op, String expr, Pattern regex, boolean alwaysHosts, Integer from, Integer to) {
        boolean isRegex() {
            return expr.startsWith("~");
        }
    }

    private static final Pattern SUBSCRIPT = Pattern.compile("^(.+)\\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\\]$");

    HostPattern {
        terms = List.copyOf(terms);
    }

    /** @throws IllegalArgumentException naming what is wrong when the pattern is malformed */
    static HostPattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the pattern is empty");
        }
        List<Term> terms = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            for (String raw : splitColons(part)) {
                terms.add(term(raw.strip()));
            }
        }
        // Ansible's order: unions, then intersections, then exclusions; only & or ! means "all" first
        terms.sort(Comparator.comparing(Term::op));
        if (terms.get(0).op() != Op.UNION) {
            terms.add(0, term("all"));
        }
        return new HostPattern(text, terms);
    }

    /**
     * Splits on ':' outside brackets and parentheses, so ranges ({@code web[1:3]}) and regex
     * groups ({@code ~(?:a|b)}) stay whole. An IPv6 address is one term, as in Ansible.
     */
    private static List<String> splitColons(String part) {
        if (HostKey.isIpv6(part.strip())) {
            return List.of(part);
        }
        List<String> out = new ArrayList<>();
        int nesting = 0;
        int start = 0;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '[' || c == '(') {
                nesting++;
            } else if ((c == ']' || c == ')') && nesting > 0) {
                nesting--;
            } else if (c == ':' && nesting == 0) {
                out.add(part.substring(start, i));
                start = i + 1;
            }
        }
        out.add(part.substring(start));
        return out;
    }

    private static Term term(String raw) {
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("it has an empty term (a separator with nothing on one side)");
        }
        Op op = raw.startsWith("&") ? Op.INTERSECT : raw.startsWith("!") ? Op.EXCLUDE : Op.UNION;
        String expr = op == Op.UNION ? raw : raw.substring(1).strip();
        if (expr.isEmpty() || expr.startsWith("&") || expr.startsWith("!")) {
            throw new IllegalArgumentException("'" + raw + "' needs a group or host name after its '" + raw.charAt(0) + "'");
        }
        if (expr.startsWith("~")) {
            return new Term(op, expr, regex(expr.substring(1)), true, null, null);
        }
        Integer from = null;
        Integer to = null;
        Matcher m = SUBSCRIPT.matcher(expr);
        if (m.matches()) {
            if (m.group(4) != null && m.group(4).equals("-")) {
                throw new IllegalArgumentException("'" + raw + "': write a subscript range as [x:y]");
            }
            from = Integer.valueOf(m.group(2) != null ? m.group(2) : m.group(3));
            to = m.group(2) != null ? null : m.group(5).isEmpty() ? Integer.valueOf(-1) : Integer.valueOf(m.group(5));
            expr = m.group(1);
        }
        boolean alwaysHosts = expr.contains("*") || expr.contains("?") || expr.contains("[") || expr.contains(".");
        return new Term(op, expr, Pattern.compile(glob(expr)), alwaysHosts, from, to);
    }

    private static Pattern regex(String source) {
        if (source.isEmpty()) {
            throw new IllegalArgumentException("'~' needs a regular expression after it");
        }
        try {
            return Pattern.compile(source);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("'~" + source + "' is not a valid regular expression: " + e.getDescription());
        }
    }

    /** Python's fnmatch.translate: *, ?, [seq] and [!seq]; everything else literal; a whole-name match. */
    static String glob(String expr) {
        StringBuilder rx = new StringBuilder();
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i++);
            if (c == '*') {
                rx.append(".*");
            } else if (c == '?') {
                rx.append('.');
            } else if (c == '[') {
                int j = i;
                if (j < expr.length() && expr.charAt(j) == '!') {
                    j++;
                }
                if (j < expr.length() && expr.charAt(j) == ']') {
                    j++;
                }
                while (j < expr.length() && expr.charAt(j) != ']') {
                    j++;
                }
                if (j >= expr.length()) {
                    rx.append("\\[");
                } else {
                    String set = expr.substring(i, j).replace("\\", "\\\\").replace("[", "\\[");
                    i = j + 1;
                    rx.append('[').append(set.startsWith("!") ? "^" + set.substring(1) : set.startsWith("^") ? "\\" + set : set)
                            .append(']');
                }
            } else {
                rx.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return rx.toString();
    }

    /** Whether a name matches: a regex term matches at the start (Python's re.match), a wildcard the whole name. */
    static boolean matches(Term term, String name) {
        Matcher m = term.regex().matcher(name);
        return term.isRegex() ? m.lookingAt() : m.matches();
    }

    /**
     * A subscript applied as Ansible does: a range past the end is cut short.
     *
     * @throws IllegalArgumentException when a single index is past the end (Ansible's error too)
     */
    static <T> List<T> subscript(Term term, List<T> hosts) {
        if (term.from() == null || hosts.isEmpty()) {
            return hosts;
        }
        int n = hosts.size();
        int from = term.from();
        if (term.to() == null) {
            int i = from < 0 ? n + from : from;
            if (i < 0 || i >= n) {
                throw new IllegalArgumentException("'" + term.expr() + "[" + from + "]' is past the end: '"
                        + term.expr() + "' has " + n + (n == 1 ? " host" : " hosts"));
            }
            return List.of(hosts.get(i));
        }
        int to = term.to() == -1 ? n - 1 : Math.min(term.to(), n - 1);
        return from <= to ? hosts.subList(from, to + 1) : List.of();
    }
}
