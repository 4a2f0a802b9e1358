package dev.runbook.inventory;

import dev.runbook.load.DidYouMean;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The groups as Ansible sees them once the file is read: every group under {@code all}, hosts in
 * no other group in {@code ungrouped}, each group at the depth of its longest path from {@code all}.
 * That depth decides whose vars win: a child's over its parent's, and among groups of the same
 * depth the higher {@code ansible_group_priority}, then the later name in ASCII order.
 *
 * <p>Walks are iterative: a chain of groups is bounded only by the file size, not by YAML nesting.
 */
final class GroupTree {
    private final Draft draft;
    private final Map<String, List<String>> children = new LinkedHashMap<>();
    private final Map<String, Set<String>> members = new LinkedHashMap<>();
    private final Map<String, Integer> depth = new HashMap<>();
    private final Map<String, Set<String>> ancestors = new HashMap<>();

    private GroupTree(Draft draft) {
        this.draft = draft;
    }

    /** The tree, or null after reporting when groups are undefined or form a cycle. */
    static GroupTree of(Draft draft, List<Diagnostic> out) {
        int before = out.size();
        checkDefined(draft, out);
        checkCycles(draft, out);
        if (out.size() > before) {
            return null;
        }
        GroupTree tree = new GroupTree(draft);
        tree.reconcile();
        tree.layer();
        return tree;
    }

    private static void checkDefined(Draft draft, List<Diagnostic> out) {
        List<String> defined = draft.groups.values().stream().filter(g -> g.defined).map(g -> g.name).toList();
        for (Draft.Group g : draft.groups.values()) {
            if (g.defined) {
                continue;
            }
            String hint = draft.hosts.containsKey(g.name) ? "'" + g.name + "' is a host: list it under 'hosts'" : null;
            String near = DidYouMean.suggest(g.name, defined);
            if (hint == null && near != null) {
                hint = "did you mean '" + near + "'?";
            }
            for (SourcePos pos : g.bareListings) {
                out.add(Diagnostic.error(pos, "group '" + g.name + "' is listed under the children of '" + parentAt(draft, g.name, pos)
                        + "' but defined nowhere: give it hosts, children or vars", hint));
            }
        }
    }

    private static String parentAt(Draft draft, String child, SourcePos pos) {
        return draft.groups.values().stream().filter(p -> pos.equals(p.children.get(child)))
                .map(p -> p.name).findFirst().orElse("?");
    }

    /** Depth-first over children; a child still on the path closes a cycle, reported where it is listed. */
    private static void checkCycles(Draft draft, List<Diagnostic> out) {
        Set<String> done = new HashSet<>();
        Set<Set<String>> reported = new HashSet<>();
        for (String start : draft.groups.keySet()) {
            if (done.contains(start)) {
                continue;
            }
            Deque<String> path = new ArrayDeque<>();
            Deque<Iterator<String>> pending = new ArrayDeque<>();
            path.addLast(start);
            pending.addLast(draft.groups.get(start).children.keySet().iterator());
            while (!path.isEmpty()) {
                String current = path.peekLast();
                Iterator<String> next = pending.peekLast();
                if (!next.hasNext()) {
                    done.add(path.removeLast());
                    pending.removeLast();
                    continue;
                }
                String child = next.next();
                if (path.contains(child)) {
                    List<String> onPath = new ArrayList<>(path);
                    List<String> cycle = onPath.subList(onPath.indexOf(child), onPath.size());
                    if (reported.add(new HashSet<>(cycle))) {
                        out.add(Diagnostic.error(draft.groups.get(current).children.get(child),
                                "groups form a cycle: " + String.join(" -> ", cycle) + " -> " + child));
                    }
                } else if (!done.contains(child)) {
                    path.addLast(child);
                    pending.addLast(draft.groups.get(child).children.keySet().iterator());
                }
            }
        }
    }

    /** Ansible's reconcile_inventory: parentless groups go under all, groupless hosts into ungrouped. */
    private void reconcile() {
        Set<String> hasParent = new HashSet<>();
        draft.groups.values().forEach(g -> {
            children.put(g.name, new ArrayList<>(g.children.keySet()));
            hasParent.addAll(g.children.keySet());
            members.put(g.name, new LinkedHashSet<>(g.hosts));
        });
        List<String> top = new ArrayList<>(List.of(Draft.UNGROUPED));
        top.addAll(children.get(Draft.ALL));
        for (String g : draft.groups.keySet()) {
            if (!g.equals(Draft.ALL) && !hasParent.contains(g) && !top.contains(g)) {
                top.add(g);
            }
        }
        children.put(Draft.ALL, top);
        Set<String> ungrouped = members.get(Draft.UNGROUPED);
        for (String host : draft.hosts.keySet()) {
            boolean elsewhere = members.entrySet().stream().anyMatch(e -> e.getValue().contains(host)
                    && !e.getKey().equals(Draft.ALL) && !e.getKey().equals(Draft.UNGROUPED));
            if (elsewhere) {
                ungrouped.remove(host);
            } else {
                ungrouped.add(host);
            }
        }
    }

    /** Depth (longest path from all) and ancestors of each group, in topological order. */
    private void layer() {
        Map<String, Integer> incoming = new HashMap<>();
        children.values().forEach(cs -> cs.forEach(c -> incoming.merge(c, 1, Integer::sum)));
        Deque<String> ready = new ArrayDeque<>(List.of(Draft.ALL));
        depth.put(Draft.ALL, 0);
        ancestors.put(Draft.ALL, Set.of(Draft.ALL));
        while (!ready.isEmpty()) {
            String g = ready.removeFirst();
            for (String c : children.get(g)) {
                depth.merge(c, depth.get(g) + 1, Math::max);
                ancestors.computeIfAbsent(c, k -> new HashSet<>(Set.of(k))).addAll(ancestors.get(g));
                if (incoming.merge(c, -1, Integer::sum) == 0) {
                    ready.addLast(c);
                }
            }
        }
    }

    /** The group names, all and ungrouped first, then as first met in the file. */
    List<String> groups() {
        return List.copyOf(draft.groups.keySet());
    }

    /**
     * A group's hosts in Ansible's order: its own, then its children's breadth-first, each child in
     * listing order. The order of {@code all} is the inventory order.
     */
    List<String> hostsOf(String group) {
        Set<String> hosts = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>(List.of(group));
        Deque<String> queue = new ArrayDeque<>(List.of(group));
        while (!queue.isEmpty()) {
            String g = queue.removeFirst();
            hosts.addAll(members.get(g));
            for (String c : children.get(g)) {
                if (seen.add(c)) {
                    queue.addLast(c);
                }
            }
        }
        return List.copyOf(hosts);
    }

    /**
     * A host's vars in Ansible's order (its VariableManager, default precedence): the inventory's
     * vars of all, then of its other groups from the shallowest to the deepest; then group_vars
     * files in the same order, all first, so that group_vars/all wins over a child group's
     * inventory vars; then the host's inventory vars, then its host_vars files.
     */
    Map<String, Object> mergedVars(String host) {
        Set<String> groups = new HashSet<>();
        members.forEach((g, hosts) -> {
            if (hosts.contains(host)) {
                groups.addAll(ancestors.get(g));
            }
        });
        groups.remove(Draft.ALL);
        List<Draft.Group> sorted = groups.stream().map(draft.groups::get)
                .sorted(Comparator.comparingInt((Draft.Group g) -> depth.get(g.name))
                        .thenComparingInt(g -> g.priority).thenComparing(g -> g.name))
                .toList();
        Draft.Group all = draft.groups.get(Draft.ALL);
        Map<String, Object> vars = new LinkedHashMap<>(all.vars);
        sorted.forEach(g -> vars.putAll(g.vars));
        vars.putAll(all.fileVars);
        sorted.forEach(g -> vars.putAll(g.fileVars));
        Draft.Host h = draft.hosts.get(host);
        vars.putAll(h.vars);
        vars.putAll(h.fileVars);
        return vars;
    }

    /** Where a listed host was first written, and the vars it sets itself (inventory, then host_vars). */
    Draft.Host host(String name) {
        return draft.hosts.get(name);
    }

    /**
     * What a localhost the inventory does not list gets, as Ansible's implicit localhost: the all
     * group's vars (inventory, then group_vars/all), a local connection, then its own host_vars.
     */
    Map<String, Object> implicitLocalhostVars(String name) {
        Draft.Group all = draft.groups.get(Draft.ALL);
        Map<String, Object> vars = new LinkedHashMap<>(all.vars);
        vars.putAll(all.fileVars);
        vars.put(ConnectionVars.CONNECTION, "local");
        vars.putAll(draft.implicitHostFileVars.getOrDefault(name, Map.of()));
        return vars;
    }
}
