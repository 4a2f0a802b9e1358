package dev.runbook.load;

import dev.runbook.model.Param;
import dev.runbook.model.Param.ParamType;
import dev.runbook.model.SourcePos;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads {@code params:} declarations and converts values (defaults, {@code -p k=v}) to their types. */
public final class ParamReader {
    private static final Set<String> KEYS = Set.of("type", "default", "pattern", "required", "values",
            "description", "secret");
    private static final List<String> TYPES = List.of("string", "int", "bool", "duration", "enum", "list");

    private final YamlReader y;

    ParamReader(YamlReader y) {
        this.y = y;
    }

    Map<String, Param> params(Mapping m) {
        Map<String, Param> out = new LinkedHashMap<>();
        for (String name : m.keys()) {
            if (!name.matches("[a-z_][a-z0-9_]*")) {
                y.error(m.keyPos(name), "param name '" + name + "' must be lower case letters, digits and '_'");
                continue;
            }
            Param p = param(name, m.get(name), m.keyPos(name));
            if (p != null) {
                out.put(name, p);
            }
        }
        return out;
    }

    private Param param(String name, Node node, SourcePos pos) {
        if (node instanceof ScalarNode) {
            String t = y.text(node, "param '" + name + "'") == null ? null : ((ScalarNode) node).getValue();
            ParamType type = type(t, node);
            return type == null ? null : new Param(name, type, null, null, true, List.of(), null, false, pos);
        }
        Mapping m = y.mapping(node, "param '" + name + "'", KEYS);
        if (m == null) {
            return null;
        }
        ParamType type = m.has("type") ? type(m.string("type"), m.get("type")) : ParamType.STRING;
        if (type == null) {
            return null;
        }
        List<String> values = new ArrayList<>();
        if (m.has("values")) {
            List<Node> vs = m.sequence("values");
            for (Node v : vs == null ? List.<Node>of() : vs) {
                String s = y.text(v, "an enum value") == null ? null : ((ScalarNode) v).getValue();
                if (s != null) {
                    values.add(s);
                }
            }
        }
        if (type == ParamType.ENUM && values.isEmpty()) {
            y.error(m.pos(), "enum param '" + name + "' needs a list of 'values'");
        } else if (type != ParamType.ENUM && m.has("values")) {
            y.error(m.keyPos("values"), "'values' applies to enum params only");
        }
        String pattern = m.string("pattern");
        if (pattern != null) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                y.error(m.keyPos("pattern"), "invalid regular expression in 'pattern': "
                        + e.getDescription() + " near index " + e.getIndex());
                pattern = null;
            }
        }
        boolean secret = m.bool("secret", false);
        if (secret && type != ParamType.STRING) {
            // only text travels in RUNBOOK_PARAM_<NAME>; a number or a list would be spliced into the command line
            y.error(m.keyPos("secret"), "secret: true is for string params; param '" + name + "' is "
                    + type.yamlName() + ", whose value would be on the step's command line (declare it type: string,"
                    + " with a pattern if its shape matters)");
            secret = false;
        }
        Object def = null;
        if (m.has("default") && !YamlReader.isNull(m.get("default"))) {
            Node dn = m.get("default");
            Object raw = rawDefault(type, dn, name);
            try {
                def = raw == null ? null : convert(type, raw, values, pattern);
            } catch (IllegalArgumentException e) {
                // a secret's default is as secret as a value given with -p: its message names no value
                y.error(y.pos(dn), "default of param '" + name + "': " + (secret ? "invalid value" : e.getMessage()));
            }
        }
        boolean required = m.has("required") ? m.bool("required", false) : !m.has("default");
        return new Param(name, type, def, pattern, required, values, m.string("description"), secret, pos);
    }

    /**
     * A default as the text (or, for a list, the texts) a {@code -p} value would give; null after
     * reporting when it does not fit the type: a mapping never does, a list only for a list param,
     * and then only of single values.
     */
    private Object rawDefault(ParamType type, Node n, String name) {
        String what = "default of param '" + name + "'";
        if (n instanceof MappingNode || (n instanceof SequenceNode && type != ParamType.LIST)) {
            y.error(n, what + " must be " + (type == ParamType.LIST ? "a list" : "a single value") + " for type "
                    + type.yamlName() + ", not " + YamlReader.describe(n));
            return null;
        }
        if (n instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                if (!YamlReader.isScalar(item)) {
                    y.error(item, what + ": the items of a list param are single values, not " + YamlReader.describe(item));
                    return null;
                }
            }
        }
        Object v = y.value(n);
        if (v instanceof List<?> l) {
            return l.contains(null) ? null : l.stream().map(String::valueOf).toList();
        }
        // null: the value was refused (an integer out of range, a number that is not finite) and reported
        return v == null ? null : String.valueOf(v);
    }

    private ParamType type(String t, Node node) {
        if (t == null) {
            return null;
        }
        if (!TYPES.contains(t)) {
            String hint = DidYouMean.suggest(t, TYPES);
            y.error(y.pos(node), "unknown param type '" + t + "'; one of " + String.join(", ", TYPES),
                    hint == null ? null : "did you mean '" + hint + "'?");
            return null;
        }
        return ParamType.valueOf(t.toUpperCase(Locale.ROOT));
    }

    /**
     * Converts a value to a param's type.
     *
     * @param raw a string, or a list of strings for list params
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static Object convert(ParamType type, Object raw, List<String> values, String pattern) {
        if (type == ParamType.LIST) {
            List<String> items = raw instanceof List<?> l ? l.stream().map(String::valueOf).toList() : items(String.valueOf(raw));
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i).isBlank()) {
                    // a YAML list too ([a, ""], a default or a called runbook's param): as empty as a,,b
                    throw new IllegalArgumentException("item " + (i + 1) + " of the list is empty");
                }
            }
            if (pattern != null) {
                for (String item : items) {
                    matchPattern(item, pattern);
                }
            }
            return items;
        }
        String s = String.valueOf(raw);
        if (pattern != null) {
            matchPattern(s, pattern);
        }
        return switch (type) {
            case INT -> {
                try {
                    yield Long.parseLong(s.strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(s.strip().matches("[+-]?[0-9]+")
                            ? "'" + s + "' is out of range: an int is from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE
                            : "'" + s + "' is not an integer");
                }
            }
            case BOOL -> switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1", "on" -> true;
                case "false", "no", "0", "off" -> false;
                default -> throw new IllegalArgumentException("'" + s + "' is not true or false");
            };
            case DURATION -> Durations.parse(s);
            case ENUM -> {
                if (!values.contains(s)) {
                    throw new IllegalArgumentException("'" + s + "' is not one of " + String.join(", ", values));
                }
                yield s;
            }
            default -> s;
        };
    }

    /**
     * The items of a list as text: comma-separated, each stripped; nothing (or only blanks) is the
     * empty list. An empty item ({@code a,,b}, {@code a,b,}) is refused: it is almost always an
     * unset shell variable, not a value meant.
     */
    private static List<String> items(String text) {
        if (text.isBlank()) {
            return List.of();
        }
        List<String> items = List.of(text.split(",", -1)).stream().map(String::strip).toList();
        int empty = items.indexOf("");
        if (empty >= 0) {
            throw new IllegalArgumentException("item " + (empty + 1) + " of '" + text + "' is empty");
        }
        return items;
    }

    private static void matchPattern(String s, String pattern) {
        if (!Pattern.compile(pattern).matcher(s).find()) {
            throw new IllegalArgumentException("'" + s + "' does not match the pattern " + pattern);
        }
    }
}
