package dev.runbook.inventory;

import dev.runbook.model.SourcePos;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The inventory as written, before the group tree is checked: what the readers collect while they
 * walk its files (inventory files, then group_vars and host_vars). A group or host named in several
 * places is one entry here, its parts merged in the order they were read, as Ansible merges them.
 */
final class Draft {
    static final String ALL = "all";
    static final String UNGROUPED = "ungrouped";

    /** In the order Ansible creates them: all, ungrouped, then as first met in the file. */
    final Map<String, Group> groups = new LinkedHashMap<>();
    /** In the order first met in the file. */
    final Map<String, Host> hosts = new LinkedHashMap<>();
    /** host_vars of the implicit localhost names (localhost, 127.0.0.1, ::1) the inventory does not list. */
    final Map<String, Map<String, Object>> implicitHostFileVars = new LinkedHashMap<>();

    Draft() {
        group(ALL, SourcePos.NONE).defined = true;
        group(UNGROUPED, SourcePos.NONE).defined = true;
    }

    Group group(String name, SourcePos pos) {
        return groups.computeIfAbsent(name, n -> new Group(n, pos));
    }

    Host host(String name, SourcePos pos) {
        return hosts.computeIfAbsent(name, n -> new Host(n, pos));
    }

    static final class Group {
        final String name;
        final SourcePos pos;
        /** Given a body (hosts, children or vars, even empty) somewhere, or named at the top level. */
        boolean defined;
        /** Where it was listed under a parent's children with no body of its own. */
        final List<SourcePos> bareListings = new ArrayList<>();
        final Map<String, Object> vars = new LinkedHashMap<>();
        /** From group_vars/NAME beside the inventory: over every group's inventory vars (Ansible's order). */
        final Map<String, Object> fileVars = new LinkedHashMap<>();
        /** Ansible's ansible_group_priority: orders groups of the same depth; not a var. */
        int priority = 1;
        /** Child group name to where it was listed, in listing order. */
        final Map<String, SourcePos> children = new LinkedHashMap<>();
        final Set<String> hosts = new LinkedHashSet<>();

        Group(String name, SourcePos pos) {
            this.name = name;
            this.pos = pos;
        }
    }

    static final class Host {
        final String name;
        final SourcePos pos;
        final Map<String, Object> vars = new LinkedHashMap<>();
        /** From host_vars/NAME beside the inventory: over the host's inventory vars. */
        final Map<String, Object> fileVars = new LinkedHashMap<>();

        Host(String name, SourcePos pos) {
            this.name = name;
            this.pos = pos;
        }
    }
}
