package dev.runbook.inventory;

import dev.runbook.load.Mapping;
import dev.runbook.load.YamlReader;
import dev.runbook.model.SourcePos;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private final YamlReader yaml;
    private final VarReader vars;
    private final Draft draft;

    /** Reads into {@code draft}, which may already hold what other files of the same inventory gave. */
    InventoryReader(VarReader vars, Draft draft) {
        this.yaml = vars.yaml();
        this.vars = vars;
        this.draft = draft;
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

    private void groupVars(Draft.Group g, Mapping entries) {
        for (String name : entries.keys()) {
            Node node = entries.get(name);
            if (name.equals("ansible_group_priority")) {
                priority(g, node);
                continue;
            }
            vars.put(g.vars, name, entries.keyPos(name), node);
        }
    }

    /** An integer, or a string of digits (Ansible applies int() to it); not kept as a var, as in Ansible. */
    private void priority(Draft.Group g, Node node) {
        Object value = VarReader.plain(yaml.value(node));
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
        Map<String, Object> hostVars = new LinkedHashMap<>();
        Node body = entries.get(key);
        if (!YamlReader.isNull(body)) {
            Mapping m = yaml.mapping(body, "the vars of host '" + key + "'", null);
            if (m != null) {
                m.keys().forEach(name -> vars.put(hostVars, name, m.keyPos(name), m.get(name)));
            }
        }
        for (String name : hostKey.names()) {
            boolean known = draft.hosts.containsKey(name);
            Draft.Host h = draft.host(name, yaml.pos(keyNode));
            if (!known && hostKey.port() != null) {
                // as Ansible does: the port in the key counts only where the host first appears
                h.vars.put(ConnectionVars.PORT, (long) hostKey.port());
            }
            h.vars.putAll(hostVars);
            g.hosts.add(name);
        }
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
