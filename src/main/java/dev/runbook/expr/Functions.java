package dev.runbook.expr;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The curated functions expressions may call, and nothing else: each is pure, bounded and has
 * no access to files, processes or classes. The names are the contract; {@link #NAMES} lists them.
 */
public final class Functions {

    /** The function names known to validation. */
    public static final java.util.Set<String> NAMES = java.util.Set.of(
            "join", "split", "lines", "lower", "upper", "trim", "replace", "contains", "starts_with",
            "ends_with", "len", "matches", "find", "int", "float", "str", "bool", "from_json", "to_json",
            "keys", "values", "first", "last", "min", "max", "sum", "sort", "unique", "default",
            "basename", "dirname", "now", "raw", "quote", "ident", "percent", "size", "empty", "round", "where", "pluck", "urlencode");

    private Functions() {}

    /** How many arguments a function takes, from the fewest to the most. */
    public record Arity(int min, int max) {
        public boolean accepts(int n) {
            return n >= min && n <= max;
        }

        @Override
        public String toString() {
            return min == max ? String.valueOf(min) : max == Integer.MAX_VALUE ? min + " or more" : min + " to " + max;
        }
    }

    private static final Map<String, Arity> ARITIES = arities();

    /** The arity of a function of {@link #NAMES}; null for JEXL's own {@code size} and {@code empty}. */
    public static Arity arity(String name) {
        return ARITIES.get(name);
    }

    private static Map<String, Arity> arities() {
        Map<String, Arity> out = new java.util.HashMap<>();
        for (java.lang.reflect.Method m : Functions.class.getMethods()) {
            String name = m.getName().replaceFirst("^_", "");
            if (!java.lang.reflect.Modifier.isStatic(m.getModifiers()) || !NAMES.contains(name)) {
                continue;
            }
            int n = m.getParameterCount();
            Arity a = m.isVarArgs() ? new Arity(n - 1, Integer.MAX_VALUE) : new Arity(n, n);
            out.merge(name, a, (x, y) -> new Arity(Math.min(x.min(), y.min()), Math.max(x.max(), y.max())));
        }
        out.put("size", new Arity(1, 1));
        out.put("empty", new Arity(1, 1));
        return Map.copyOf(out);
    }

    public static String join(Object list, Object sep) {
        StringBuilder b = new StringBuilder();
        boolean first = true;
        for (Object o : asList(list)) {
            if (!first) {
                b.append(str(sep));
            }
            first = false;
            b.append(str(o));
        }
        return b.toString();
    }

    /** Percent-encodes text for one URL path segment or query value (RFC 3986 unreserved characters stay). */
    public static String urlencode(Object x) {
        StringBuilder b = new StringBuilder();
        for (byte c : str(x).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int u = c & 0xff;
            if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_' || u == '~') {
                b.append((char) u);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(u >> 4, 16))).append(Character.toUpperCase(Character.forDigit(u & 0xf, 16)));
            }
        }
        return b.toString();
    }

    public static List<String> split(Object s, Object sep) {
        String text = str(s);
        if (text.isEmpty()) {
            return List.of();
        }
        return List.of(text.split(Pattern.quote(str(sep)), -1));
    }

    public static List<String> lines(Object s) {
        return str(s).lines().toList();
    }

    public static String lower(Object s) {
        return str(s).toLowerCase(Locale.ROOT);
    }

    public static String upper(Object s) {
        return str(s).toUpperCase(Locale.ROOT);
    }

    public static String trim(Object s) {
        return str(s).strip();
    }

    public static String replace(Object s, Object from, Object to) {
        return str(s).replace(str(from), str(to));
    }

    public static boolean contains(Object haystack, Object needle) {
        if (haystack instanceof Collection<?> c) {
            return c.contains(needle) || c.stream().anyMatch(o -> str(o).equals(str(needle)));
        }
        if (haystack instanceof Map<?, ?> m) {
            return m.containsKey(str(needle));
        }
        return str(haystack).contains(str(needle));
    }

    public static boolean starts_with(Object s, Object prefix) {
        return str(s).startsWith(str(prefix));
    }

    public static boolean ends_with(Object s, Object suffix) {
        return str(s).endsWith(str(suffix));
    }

    public static int len(Object x) {
        if (x != null && x.getClass().isArray()) {
            return java.lang.reflect.Array.getLength(x);
        }
        if (x instanceof Collection<?> c) {
            return c.size();
        }
        if (x instanceof Map<?, ?> m) {
            return m.size();
        }
        return x == null ? 0 : str(x).length();
    }

    /** Whether the regular expression matches somewhere in the text. */
    public static boolean matches(Object s, Object regex) {
        return Arithmetic.pattern(str(regex)).matcher(str(s)).find();
    }

    /** The first match of the regex (its first group when it has one), or null. */
    public static String find(Object s, Object regex) {
        Matcher m = Arithmetic.pattern(str(regex)).matcher(str(s));
        if (!m.find()) {
            return null;
        }
        return m.groupCount() > 0 ? m.group(1) : m.group();
    }

    public static long _int(Object x) {
        if (x instanceof Number n) {
            return n.longValue();
        }
        String s = str(x).strip();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return (long) Double.parseDouble(s);
            } catch (NumberFormatException e2) {
                throw new IllegalArgumentException("int(): not a number: '" + abbreviate(s) + "'");
            }
        }
    }

    public static double _float(Object x) {
        if (x instanceof Number n) {
            return n.doubleValue();
        }
        String s = str(x).strip().replace("%", "");
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("float(): not a number: '" + abbreviate(s) + "'");
        }
    }

    public static double round(Object x, Object digits) {
        double scale = Math.pow(10, _int(digits));
        return Math.round(_float(x) * scale) / scale;
    }

    /** {@code part} as a percentage of {@code whole}, 0 when whole is 0. */
    public static double percent(Object part, Object whole) {
        double w = _float(whole);
        return w == 0 ? 0 : round(_float(part) * 100 / w, 1);
    }

    public static String str(Object x) {
        if (x == null) {
            return "";
        }
        if (x instanceof Unknown) {
            return x.toString();
        }
        if (x instanceof Collection<?> || x instanceof Map<?, ?> || x.getClass().isArray()) {
            return to_json(x);
        }
        return x.toString();
    }

    public static boolean bool(Object x) {
        if (x instanceof Boolean b) {
            return b;
        }
        if (x instanceof Number n) {
            return n.doubleValue() != 0;
        }
        String s = str(x).strip().toLowerCase(Locale.ROOT);
        return s.equals("true") || s.equals("yes") || s.equals("on") || s.equals("1");
    }

    public static Object from_json(Object s) {
        try {
            return Json.parse(str(s));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("from_json(): " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }

    public static String to_json(Object x) {
        try {
            return dev.runbook.expr.Json.mapper().writeValueAsString(JsonValues.forJson(x));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("to_json(): " + e.getOriginalMessage());
        }
    }

    public static List<String> keys(Object m) {
        if (m instanceof Map<?, ?> map) {
            return map.keySet().stream().map(String::valueOf).toList();
        }
        throw new IllegalArgumentException("keys(): not a mapping");
    }

    public static List<Object> values(Object m) {
        if (m instanceof Map<?, ?> map) {
            return new ArrayList<>(map.values());
        }
        throw new IllegalArgumentException("values(): not a mapping");
    }

    /** The elements (maps) of a list whose {@code key} equals {@code value}: {@code where(steps.x.items, 'ok', false)}. */
    public static List<Object> where(Object l, Object key, Object value) {
        List<Object> out = new ArrayList<>();
        for (Object o : asList(l)) {
            if (o instanceof Map<?, ?> m && java.util.Objects.equals(str(m.get(str(key))), str(value))) {
                out.add(o);
            }
        }
        return out;
    }

    /** One field of every element (map) of a list: {@code pluck(steps.x.items, 'item')}. */
    public static List<Object> pluck(Object l, Object key) {
        List<Object> out = new ArrayList<>();
        for (Object o : asList(l)) {
            out.add(o instanceof Map<?, ?> m ? m.get(str(key)) : null);
        }
        return out;
    }

    public static Object first(Object l) {
        List<?> list = asList(l);
        return list.isEmpty() ? null : list.get(0);
    }

    public static Object last(Object l) {
        List<?> list = asList(l);
        return list.isEmpty() ? null : list.get(list.size() - 1);
    }

    public static double min(Object l) {
        return asList(l).stream().mapToDouble(Functions::_float).min().orElse(0);
    }

    public static double max(Object l) {
        return asList(l).stream().mapToDouble(Functions::_float).max().orElse(0);
    }

    public static double sum(Object l) {
        return asList(l).stream().mapToDouble(Functions::_float).sum();
    }

    public static List<Object> sort(Object l) {
        List<Object> copy = new ArrayList<>(asList(l));
        copy.sort((a, b) -> a instanceof Number x && b instanceof Number y
                ? Double.compare(x.doubleValue(), y.doubleValue()) : str(a).compareTo(str(b)));
        return copy;
    }

    public static List<Object> unique(Object l) {
        return new ArrayList<>(new LinkedHashSet<>(asList(l)));
    }

    /** {@code x} unless it is null or empty, else {@code fallback}. */
    public static Object _default(Object x, Object fallback) {
        if (x == null || (x instanceof String s && s.isEmpty())) {
            return fallback;
        }
        return x;
    }

    public static String basename(Object p) {
        String s = str(p);
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        int i = s.lastIndexOf('/');
        return i < 0 ? s : s.substring(i + 1);
    }

    public static String dirname(Object p) {
        String s = str(p);
        int i = s.lastIndexOf('/');
        return i < 0 ? "." : i == 0 ? "/" : s.substring(0, i);
    }

    public static String now() {
        return Instant.now().toString();
    }

    /**
     * Marks text to be spliced without quoting; {@code validate} warns where it is given text from
     * params or step output (RunbookValidator).
     */
    public static Raw raw(Object x) {
        if (x instanceof Secret) {
            throw new IllegalArgumentException("raw() cannot take a secret");
        }
        return new Raw(str(x));
    }

    /** Shell-quotes a value explicitly, e.g. to build a word list for {@code raw()}. */
    public static String quote(Object x) {
        return ShellQuoting.quote(str(x));
    }

    public static Ident ident(Object x) {
        return new Ident(str(x));
    }

    /** A list, collection or array (JEXL's {@code [a, b]}) as a list. */
    public static List<?> asList(Object x) {
        if (x instanceof List<?> l) {
            return l;
        }
        if (x instanceof Collection<?> c) {
            return new ArrayList<>(c);
        }
        if (x != null && x.getClass().isArray()) {
            // JEXL's [a, b] literal gives an array, primitive when its items are numbers
            int n = java.lang.reflect.Array.getLength(x);
            List<Object> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(java.lang.reflect.Array.get(x, i));
            }
            return out;
        }
        if (x == null) {
            return List.of();
        }
        throw new IllegalArgumentException("expected a list, got " + abbreviate(str(x)));
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
