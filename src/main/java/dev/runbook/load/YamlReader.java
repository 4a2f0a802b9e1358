package dev.runbook.load;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Text;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Typed access to a YAML node tree that records a diagnostic, instead of throwing, for every
 * wrong type, unknown or duplicate key. Shared by every file format the tool reads.
 */
public final class YamlReader {
    /** Bounds the work of walking a tree whose aliases share nodes. */
    static final int MAX_NODES = 200_000;

    private final YamlFile file;
    private final List<Diagnostic> out;
    private int visited;
    private boolean exhausted;

    public YamlReader(YamlFile file, List<Diagnostic> out) {
        this.file = file;
        this.out = out;
    }

    public String label() {
        return file.label();
    }

    public List<Diagnostic> diagnostics() {
        return out;
    }

    public SourcePos pos(Node node) {
        return file.pos(node);
    }

    public void error(Node node, String message) {
        out.add(Diagnostic.error(pos(node), message));
    }

    public void error(SourcePos pos, String message) {
        out.add(Diagnostic.error(pos, message));
    }

    public void error(SourcePos pos, String message, String hint) {
        out.add(Diagnostic.error(pos, message, hint));
    }

    public void warning(SourcePos pos, String message) {
        out.add(Diagnostic.warning(pos, message));
    }

    /** Counts a visited node; false once the tree has expanded beyond {@link #MAX_NODES}. */
    boolean visit(Node node) {
        if (++visited > MAX_NODES) {
            if (!exhausted) {
                exhausted = true;
                error(node, "the document expands to more than " + MAX_NODES + " values (an alias bomb?)");
            }
            return false;
        }
        return true;
    }

    /**
     * A mapping with its keys checked: duplicates and keys outside {@code allowed} are reported
     * (with a did-you-mean hint). Returns null, after reporting, when the node is not a mapping.
     */
    public Mapping mapping(Node node, String what, Collection<String> allowed) {
        return mapping(node, what, allowed, Map.of());
    }

    /** As {@link #mapping(Node, String, Collection)}; an unknown key in {@code hints} gets that hint instead of a did-you-mean. */
    Mapping mapping(Node node, String what, Collection<String> allowed, Map<String, String> hints) {
        if (!(node instanceof MappingNode map)) {
            error(node, what + " must be a mapping, not " + describe(node));
            return null;
        }
        visit(node);
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : map.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode key)) {
                error(keyNode, "keys in " + what + " must be plain strings");
                continue;
            }
            String k = key.getValue();
            if (entries.containsKey(k)) {
                error(keyNode, "duplicate key '" + k + "' in " + what + " (first at line "
                        + pos(entries.get(k).getKeyNode()).line() + ")");
                continue;
            }
            if (allowed != null && !allowed.contains(k)) {
                String hint = DidYouMean.suggest(k, allowed);
                error(pos(keyNode), "unknown key '" + k + "' in " + what,
                        hints.containsKey(k) ? hints.get(k) : hint == null ? null : "did you mean '" + hint + "'?");
                continue;
            }
            entries.put(k, tuple);
        }
        return new Mapping(this, node, what, entries);
    }

    /** The elements of a sequence, or null after reporting when the node is not one. */
    public List<Node> sequence(Node node, String what) {
        if (!(node instanceof SequenceNode seq)) {
            error(node, what + " must be a list, not " + describe(node));
            return null;
        }
        visit(node);
        return seq.getValue();
    }

    /** A scalar as text with its position; null after reporting when the node is not a scalar. */
    public Text text(Node node, String what) {
        if (!(node instanceof ScalarNode scalar) || isNull(node)) {
            error(node, what + " must be a string, not " + describe(node));
            return null;
        }
        return textOf(scalar);
    }

    Text textOf(ScalarNode scalar) {
        SourcePos pos = pos(scalar);
        ScalarStyle style = scalar.getScalarStyle();
        boolean block = style == ScalarStyle.LITERAL || style == ScalarStyle.FOLDED;
        boolean quoted = style == ScalarStyle.DOUBLE_QUOTED || style == ScalarStyle.SINGLE_QUOTED;
        int indent = block ? blockIndent(pos.line()) : 0;
        return new Text(scalar.getValue(), pos, quoted, indent);
    }

    private int blockIndent(int headerLine) {
        String[] lines = file.text().split("\n", -1);
        for (int i = headerLine; i < lines.length; i++) {
            String l = lines[i];
            if (!l.isBlank()) {
                int n = 0;
                while (n < l.length() && l.charAt(n) == ' ') {
                    n++;
                }
                return n + 1;
            }
        }
        return 1;
    }

    public Long integer(Node node, String what) {
        if (node instanceof ScalarNode s && Tag.INT.equals(s.getTag())) {
            try {
                return parseInt(s.getValue());
            } catch (NumberFormatException e) {
                error(node, what + " is out of range: " + s.getValue());
                return null;
            }
        }
        error(node, what + " must be an integer, not " + describe(node));
        return null;
    }

    /** YAML 1.2 core integers: decimal (017 is seventeen, not octal), 0x hex, 0o octal. */
    static long parseInt(String text) {
        String v = text.strip();
        boolean negative = v.startsWith("-");
        if (v.startsWith("-") || v.startsWith("+")) {
            v = v.substring(1);
        }
        long n = v.startsWith("0x") ? Long.parseLong(v.substring(2), 16)
                : v.startsWith("0o") ? Long.parseLong(v.substring(2), 8) : Long.parseLong(v, 10);
        return negative ? -n : n;
    }

    public Boolean bool(Node node, String what) {
        if (node instanceof ScalarNode s && Tag.BOOL.equals(s.getTag())) {
            return Boolean.parseBoolean(s.getValue().toLowerCase(java.util.Locale.ROOT));
        }
        error(node, what + " must be true or false, not " + describe(node));
        return null;
    }

    public Duration duration(Node node, String what) {
        if (!(node instanceof ScalarNode s) || isNull(node)) {
            error(node, what + " must be a duration such as 30s, 5m or 1h30m, not " + describe(node));
            return null;
        }
        try {
            return Durations.parse(s.getValue());
        } catch (IllegalArgumentException e) {
            error(node, what + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * A YAML value as plain data: strings become {@link Text} (so templates in them keep their
     * position), numbers Long or Double, booleans, null, lists and ordered maps.
     */
    public Object value(Node node) {
        if (!visit(node)) {
            return null;
        }
        if (node instanceof ScalarNode s) {
            Tag tag = s.getTag();
            if (Tag.NULL.equals(tag)) {
                return null;
            }
            if (Tag.BOOL.equals(tag)) {
                return bool(node, "value");
            }
            if (Tag.INT.equals(tag)) {
                return integer(node, "value");
            }
            if (Tag.FLOAT.equals(tag)) {
                try {
                    double d = Double.parseDouble(s.getValue());
                    if (!Double.isFinite(d)) {
                        error(node, "the number '" + s.getValue() + "' is out of range");
                        return null;
                    }
                    return d;
                } catch (NumberFormatException e) {
                    return textOf(s);
                }
            }
            return textOf(s);
        }
        if (node instanceof SequenceNode seq) {
            List<Object> list = new ArrayList<>();
            for (Node n : seq.getValue()) {
                list.add(value(n));
            }
            return list;
        }
        Mapping m = mapping(node, "mapping", null);
        Map<String, Object> map = new LinkedHashMap<>();
        if (m != null) {
            for (String k : m.keys()) {
                map.put(k, value(m.get(k)));
            }
        }
        return map;
    }

    public static boolean isNull(Node node) {
        return node instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    public static boolean isScalar(Node node) {
        return node instanceof ScalarNode && !isNull(node);
    }

    static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (isNull(node)) {
            return "null";
        }
        ScalarNode s = (ScalarNode) node;
        Tag tag = s.getTag();
        String kind = Tag.INT.equals(tag) ? "the integer" : Tag.BOOL.equals(tag) ? "the boolean"
                : Tag.FLOAT.equals(tag) ? "the number" : "the string";
        String v = s.getValue();
        return kind + " '" + (v.length() > 40 ? v.substring(0, 40) + "..." : v) + "'";
    }
}
