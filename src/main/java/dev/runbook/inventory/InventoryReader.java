package dev.runbook.inventory;

import dev.runbook.load.Mapping;
import dev.runbook.load.YamlReader;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Text;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Walks an inventory's YAML as Ansible's yaml inventory plugin does: every top-level key is a group
 * ({@code all} included), and each group may have {@code hosts}, {@code vars} and {@code children},
 * the last holding groups of the same shape. Where Ansible warns and skips, we report an error: an
 * inventory that half-loads would run a runbook on the wrong hosts.
 */
final class InventoryReader {
    private static final List<String> GROUP_KEYS = List.of("hosts", "vars", "children");
    /** Ansible warns about other characters in group names; these could not be selected by a pattern. */
    private static final Pattern GROUP_NAME = Pattern.compile("[\\w.-]+", Pattern.UNICODE_CHARACTER_CLASS);
    /** Ansible's YAML is 1.1, where these plain scalars are booleans; inventories are written for it. */
    private static final Set<String> YAML11_TRUE = Set.of("yes", "Yes", "YES", "on", "On", "ON");
    private static final Set<String> YAML11_FALSE = Set.of("no", "No", "NO", "off", "Off", "OFF");

    private final YamlReader yaml;
    private final Path dir;
    private final Draft draft = new Draft();

    InventoryReader(YamlReader yaml, Path inventoryDir) {
        this.yaml = yaml;
        this.dir = inventoryDir;
    }

    Draft read(Node root) {
        if (!(root instanceof MappingNode)) {
            yaml.error(root, "an inventory is a mapping of group names, starting with 'all:'");
            return draft;
        }
        Mapping top = yaml.mapping(root, "the inventory", null);
        if (top.keys().isEmpty()) {
            yaml.error(root, "the inventory defines no groups");
        }
        if (top.has("plugin")) {
            // the rest of such a file is the plugin's settings, not groups: reporting them would be noise
            yaml.error(top.keyPos("plugin"), "'plugin:' configures an Ansible inventory plugin, which runbook does not run;"
                    + " give a YAML inventory starting with 'all:'");
            return draft;
        }
        top.keys().forEach(name -> group(top, name, null));
        return draft;
    }

    private void group(Mapping parent, String name, Draft.Group parentGroup) {
        SourcePos pos = parent.keyPos(name);
        if (!groupName(parent, name)) {
            return;
        }
        Node body = parent.get(name);
        Draft.Group g = draft.group(name, pos);
        if (parentGroup != null) {
            if (name.equals(Draft.ALL)) {
                yaml.error(pos, "'all' cannot be a child group: every group is already inside 'all'");
                return;
            }
            parentGroup.children.putIfAbsent(name, pos);
        }
        if (YamlReader.isNull(body)) {
            if (parentGroup == null) {
                g.defined = true;
            } else {
                g.bareListings.add(pos);
            }
            return;
        }
        Mapping m = yaml.mapping(body, "group '" + name + "'", GROUP_KEYS);
        if (m == null) {
            return;
        }
        g.defined = true;
        for (String section : m.keys()) {
            Mapping entries = section(m, section, name);
            if (entries == null) {
                continue;
            }
            switch (section) {
                case "vars" -> groupVars(g, entries);
                case "children" -> entries.keys().forEach(child -> group(entries, child, g));
                default -> entries.keys().forEach(key -> hosts(entries, key, g));
            }
        }
    }

    /**
     * A section's entries. Ansible also takes a plain string as a one-entry mapping (the documented
     * {@code hosts: test5}); null means an empty section.
     */
    private Mapping section(Mapping group, String section, String groupName) {
        Node node = group.get(section);
        if (YamlReader.isNull(node)) {
            return null;
        }
        String what = "'" + section + "' of group '" + groupName + "'";
        if (node instanceof ScalarNode scalar && Tag.STR.equals(scalar.getTag())) {
            ScalarNode none = new ScalarNode(Tag.NULL, true, "", ScalarStyle.PLAIN, scalar.getStartMark(), scalar.getEndMark());
            MappingNode single = new MappingNode(Tag.MAP, true, List.of(new NodeTuple(scalar, none)), FlowStyle.BLOCK,
                    scalar.getStartMark(), scalar.getEndMark());
            return yaml.mapping(single, what, null);
        }
        if (node instanceof SequenceNode && !section.equals("vars")) {
            yaml.error(yaml.pos(node), what + " must be a mapping, not a list",
                    "write each name as a key ending in ':', on its own line");
            return null;
        }
        return yaml.mapping(node, what, null);
    }

    private boolean groupName(Mapping parent, String name) {
        Node key = keyNode(parent, name);
        if (!isString(key)) {
            yaml.error(key, "group name " + name + " must be a string: quote it");
            return false;
        }
        if (!GROUP_NAME.matcher(name).matches()) {
            yaml.error(key, "group name '" + name + "' may only contain letters, digits, '_', '-' and '.'");
            return false;
        }
        return true;
    }

    private void groupVars(Draft.Group g, Mapping vars) {
        for (String name : vars.keys()) {
            Node node = vars.get(name);
            if (name.equals("ansible_group_priority")) {
                priority(g, node);
                continue;
            }
            putVar(g.vars, name, node);
        }
    }

    /** An integer, or a string of digits (Ansible applies int() to it); not kept as a var, as in Ansible. */
    private void priority(Draft.Group g, Node node) {
        Object value = plain(yaml.value(node));
        String text = value instanceof Long || value instanceof String ? value.toString().strip() : "";
        if (text.matches("[-+]?[0-9]{1,9}")) {
            g.priority = Integer.parseInt(text);
        } else {
            yaml.error(node, "ansible_group_priority must be an integer, not " + ConnectionVars.describe(value));
        }
    }

    private void hosts(Mapping entries, String key, Draft.Group g) {
        Node keyNode = keyNode(entries, key);
        if (!isString(keyNode)) {
            yaml.error(keyNode, "host name " + key + " must be a string: quote it");
            return;
        }
        HostKey hostKey;
        try {
            hostKey = HostKey.parse(key);
        } catch (IllegalArgumentException e) {
            yaml.error(keyNode, e.getMessage());
            return;
        }
        Map<String, Object> vars = new LinkedHashMap<>();
        Node body = entries.get(key);
        if (!YamlReader.isNull(body)) {
            Mapping m = yaml.mapping(body, "the vars of host '" + key + "'", null);
            if (m != null) {
                m.keys().forEach(name -> putVar(vars, name, m.get(name)));
            }
        }
        for (String name : hostKey.names()) {
            boolean known = draft.hosts.containsKey(name);
            Draft.Host h = draft.host(name, yaml.pos(keyNode));
            if (!known && hostKey.port() != null) {
                // as Ansible does: the port in the key counts only where the host first appears
                h.vars.put(ConnectionVars.PORT, (long) hostKey.port());
            }
            h.vars.putAll(vars);
            g.hosts.add(name);
        }
    }

    private void putVar(Map<String, Object> into, String name, Node node) {
        if (name.equals(DatabaseVars.VAR)) {
            DatabaseVars.check(yaml, node);
        }
        Object value = plain(yaml.value(node));
        try {
            into.put(name, ConnectionVars.check(name, value, dir));
        } catch (IllegalArgumentException e) {
            yaml.error(node, e.getMessage());
        }
    }

    /** YAML data as plain, immutable Java values: strings instead of positioned text. */
    private static Object plain(Object value) {
        if (value instanceof Text t) {
            boolean plainScalar = !t.quoted() && t.blockIndent() == 0;
            if (plainScalar && YAML11_TRUE.contains(t.value())) {
                return Boolean.TRUE;
            }
            if (plainScalar && YAML11_FALSE.contains(t.value())) {
                return Boolean.FALSE;
            }
            return t.value();
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(plain(v)));
            return Collections.unmodifiableList(out);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k.toString(), plain(v)));
            return Collections.unmodifiableMap(out);
        }
        return value;
    }

    private static Node keyNode(Mapping m, String key) {
        for (NodeTuple t : ((MappingNode) m.node()).getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
                return s;
            }
        }
        return m.node();
    }

    private static boolean isString(Node key) {
        return key instanceof ScalarNode s && Tag.STR.equals(s.getTag());
    }
}
