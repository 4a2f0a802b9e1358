package dev.runbook.inventory;

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
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads one var where it is written, in an inventory file or in a group_vars or host_vars file,
 * by the same rules in both: the vars runbook reads are checked at their value (an error), any
 * var may earn a warning ({@link VarWarnings}), and the value is kept as plain Java data.
 */
final class VarReader {
    /** Ansible's YAML is 1.1, where these plain scalars are booleans; inventories are written for it. */
    private static final Set<String> YAML11_TRUE = Set.of("yes", "Yes", "YES", "on", "On", "ON");
    private static final Set<String> YAML11_FALSE = Set.of("no", "No", "NO", "off", "Off", "OFF");

    private final YamlReader yaml;
    private final Path inventoryDir;
    private final VarWarnings warnings;

    /** {@code inventoryDir} is what a relative runbook_known_hosts is taken from. */
    VarReader(YamlReader yaml, Path inventoryDir, VarWarnings warnings) {
        this.yaml = yaml;
        this.inventoryDir = inventoryDir;
        this.warnings = warnings;
    }

    YamlReader yaml() {
        return yaml;
    }

    /** Reads the var {@code name} (its key at {@code keyPos}, its value {@code node}) into {@code into}. */
    void put(Map<String, Object> into, String name, SourcePos keyPos, Node node) {
        if (name.equals(DatabaseVars.VAR)) {
            DatabaseVars.check(yaml, node);
        }
        Object value = plain(yaml.value(node));
        try {
            into.put(name, ConnectionVars.check(name, value, inventoryDir));
        } catch (IllegalArgumentException e) {
            yaml.error(node, e.getMessage());
            return;
        }
        // the databases' own checks already refuse a template where one would be used
        warnings.check(name, keyPos, name.equals(DatabaseVars.VAR) ? null : value);
    }

    /** YAML data as plain, immutable Java values: strings instead of positioned text. */
    static Object plain(Object value) {
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
}
