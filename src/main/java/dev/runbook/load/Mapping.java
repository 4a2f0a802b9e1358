package dev.runbook.load;

import dev.runbook.model.SourcePos;
import dev.runbook.model.Text;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/** A checked YAML mapping: typed getters report wrong types through the owning reader. */
public final class Mapping {
    private final YamlReader reader;
    private final Node node;
    private final String what;
    private final Map<String, NodeTuple> entries;

    Mapping(YamlReader reader, Node node, String what, Map<String, NodeTuple> entries) {
        this.reader = reader;
        this.node = node;
        this.what = what;
        this.entries = entries;
    }

    public Node node() {
        return node;
    }

    public SourcePos pos() {
        return reader.pos(node);
    }

    public Set<String> keys() {
        return entries.keySet();
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The value node, or null when the key is absent. */
    public Node get(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? null : t.getValueNode();
    }

    public SourcePos keyPos(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? pos() : reader.pos(t.getKeyNode());
    }

    /** Reports a missing required key at the mapping's position. */
    public boolean require(String key) {
        if (!has(key)) {
            reader.error(pos(), what + " is missing the required key '" + key + "'");
            return false;
        }
        return true;
    }

    public Text text(String key) {
        Node n = get(key);
        return n == null ? null : reader.text(n, "'" + key + "'");
    }

    public String string(String key) {
        Text t = text(key);
        return t == null ? null : t.value();
    }

    public Long integer(String key) {
        Node n = get(key);
        return n == null ? null : reader.integer(n, "'" + key + "'");
    }

    public Boolean bool(String key) {
        Node n = get(key);
        return n == null ? null : reader.bool(n, "'" + key + "'");
    }

    public boolean bool(String key, boolean fallback) {
        Boolean b = bool(key);
        return b == null ? fallback : b;
    }

    public Duration duration(String key) {
        Node n = get(key);
        return n == null ? null : reader.duration(n, "'" + key + "'");
    }

    public List<Node> sequence(String key) {
        Node n = get(key);
        return n == null ? null : reader.sequence(n, "'" + key + "'");
    }

    public Mapping mapping(String key, Set<String> allowed) {
        Node n = get(key);
        return n == null ? null : reader.mapping(n, "'" + key + "'", allowed);
    }
}
