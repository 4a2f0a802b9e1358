package dev.runbook.inventory;

import dev.runbook.engine.Hosts;
import dev.runbook.load.DidYouMean;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.YamlFile;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Target;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Hosts, groups and vars from a YAML inventory in Ansible's structure, so an existing Ansible YAML
 * inventory loads unchanged (see {@link InventoryReader} for the format, {@link GroupTree} for how
 * vars are merged, {@link HostPattern} for patterns). {@code localhost} (also {@code 127.0.0.1} and
 * {@code ::1}) is implicit as in Ansible: a pattern naming it matches even when the file does not
 * list it, as a local target with the {@code all} group's vars.
 *
 * <p>Selected hosts come in inventory order, each once: the order Ansible lists {@code all} in
 * ({@code ansible all --list-hosts}), an implicit localhost last.
 */
public final class Inventory implements Hosts {
    static final Set<String> LOCALHOST_NAMES = Set.of("localhost", "127.0.0.1", "::1");

    private final Path file;
    private final String label;
    private final GroupTree tree;
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final Map<String, Integer> order = new LinkedHashMap<>();

    private Inventory(Path file, String label, GroupTree tree) {
        this.file = file;
        this.label = label;
        this.tree = tree;
        for (String host : tree.hostsOf(Draft.ALL)) {
            order.put(host, order.size());
            targets.put(host, ConnectionVars.target(host, tree.mergedVars(host)));
        }
    }

    /**
     * Reads and checks an inventory file.
     *
     * @throws InvalidInputException with every problem in the file, each at its line and column
     */
    public static Inventory load(Path file) {
        String label = RunbookLoader.label(file);
        if (Files.isDirectory(file)) {
            Path hosts = file.resolve("hosts.yaml");
            String hint = Files.isRegularFile(hosts) ? " such as " + RunbookLoader.label(hosts) : "";
            throw InvalidInputException.usage("inventory " + label + " is a directory; give the inventory file itself" + hint);
        }
        if (!Files.exists(file)) {
            throw InvalidInputException.usage("inventory " + label + " does not exist");
        }
        List<Diagnostic> out = new ArrayList<>();
        Optional<YamlFile> yamlFile = YamlFile.read(file, label, out);
        Optional<Node> root = yamlFile.flatMap(f -> f.compose(out));
        if (root.isEmpty() || !(root.get() instanceof MappingNode)) {
            // an INI file fails as YAML in ways that say nothing of the real problem
            IniInventory.detect(file, label).ifPresent(ini -> {
                throw new InvalidInputException(List.of(ini));
            });
        }
        if (root.isEmpty()) {
            // a problem with no line (an unreadable file) is printed without the file name: add it
            throw new InvalidInputException(out.stream().map(d -> d.pos().line() > 0 ? d
                    : Diagnostic.error(d.pos(), "inventory " + label + ": " + d.message())).toList());
        }
        YamlReader yaml = new YamlReader(yamlFile.get(), out);
        Draft draft = new InventoryReader(yaml, file.toAbsolutePath().getParent()).read(root.get());
        GroupTree tree = GroupTree.of(draft, yaml);
        if (tree == null || out.stream().anyMatch(Diagnostic::isError)) {
            throw new InvalidInputException(out.stream().distinct().toList());
        }
        return new Inventory(file, label, tree);
    }

    /**
     * The inventory for a command: {@code -i FILE} if given, else {@code $RUNBOOK_INVENTORY}, else
     * {@code inventory/hosts.yaml} of the working directory when present, else only localhost.
     * Relative paths are taken from {@code workDir}.
     *
     * @throws InvalidInputException when the chosen file is missing or invalid
     */
    public static Hosts resolve(Path explicit, Map<String, String> env, Path workDir) {
        if (explicit != null) {
            return loadChosen(workDir.resolve(explicit), "-i");
        }
        String fromEnv = env.get("RUNBOOK_INVENTORY");
        if (fromEnv != null && !fromEnv.isBlank()) {
            try {
                return loadChosen(workDir.resolve(fromEnv), "RUNBOOK_INVENTORY");
            } catch (InvalidPathException e) {
                throw InvalidInputException.usage("RUNBOOK_INVENTORY is not a usable path: " + e.getMessage());
            }
        }
        Path conventional = workDir.resolve("inventory").resolve("hosts.yaml");
        return Files.isRegularFile(conventional) ? load(conventional) : Hosts.LOCAL_ONLY;
    }

    private static Inventory loadChosen(Path file, String source) {
        if (!Files.exists(file)) {
            throw InvalidInputException.usage("inventory " + RunbookLoader.label(file) + " (from " + source + ") does not exist");
        }
        return load(file);
    }

    public Path file() {
        return file;
    }

    /** Every group name: all and ungrouped first, then as first met in the file. */
    public List<String> groups() {
        return tree.groups();
    }

    /**
     * The hosts a pattern selects. Null selects localhost, as a runbook without {@code targets} does.
     *
     * @throws InvalidInputException when the pattern is malformed, names a group or host that does
     *                               not exist, or selects no host
     */
    @Override
    public List<Target> select(String pattern) {
        String text = pattern == null ? "localhost" : pattern;
        HostPattern parsed;
        try {
            parsed = HostPattern.parse(text);
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.usage("malformed host pattern '" + text + "': " + e.getMessage());
        }
        Set<String> selected = new LinkedHashSet<>();
        for (HostPattern.Term term : parsed.terms()) {
            List<String> hosts = match(term, text);
            switch (term.op()) {
                case UNION -> selected.addAll(hosts);
                case INTERSECT -> selected.retainAll(hosts);
                case EXCLUDE -> selected.removeAll(hosts);
            }
        }
        if (selected.isEmpty()) {
            throw InvalidInputException.usage("host pattern '" + text + "' matches no host in " + label);
        }
        return selected.stream()
                .sorted(Comparator.comparingInt(h -> order.getOrDefault(h, Integer.MAX_VALUE)))
                .map(h -> targets.containsKey(h) ? targets.get(h) : implicitLocalhost(h))
                .toList();
    }

    /** One term's hosts in Ansible's order: matching groups' hosts, then matching hosts. */
    private List<String> match(HostPattern.Term term, String text) {
        String expr = term.expr();
        Set<String> hosts = new LinkedHashSet<>();
        boolean groupMatched = false;
        if (!term.isRegex() && term.from() == null && targets.containsKey(expr)) {
            return List.of(expr);
        }
        for (String g : tree.groups()) {
            if (HostPattern.matches(term, g)) {
                groupMatched = true;
                hosts.addAll(tree.hostsOf(g));
            }
        }
        if (!groupMatched || term.alwaysHosts()) {
            order.keySet().stream().filter(h -> HostPattern.matches(term, h)).forEach(hosts::add);
        }
        if (hosts.isEmpty() && LOCALHOST_NAMES.contains(expr)) {
            hosts.add(expr);
        }
        if (!groupMatched && hosts.isEmpty() && !term.alwaysHosts()) {
            throw unknownName(term, text);
        }
        try {
            return HostPattern.subscript(term, List.copyOf(hosts));
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.usage("host pattern '" + text + "' in " + label + ": " + e.getMessage());
        }
    }

    /**
     * A plain name that is neither a group nor a host is refused whatever its operator: Ansible
     * only warns, and a typo after {@code !} would then silently run on the hosts meant to be spared.
     */
    private InvalidInputException unknownName(HostPattern.Term term, String text) {
        List<String> names = new ArrayList<>(tree.groups());
        names.addAll(order.keySet());
        String near = DidYouMean.suggest(term.expr(), names);
        return new InvalidInputException(List.of(Diagnostic.error(new SourcePos("runbook", 0, 0),
                "host pattern '" + text + "' matches no host in " + label + ": '" + term.expr()
                        + "' is neither a group nor a host there",
                near == null ? null : "did you mean '" + near + "'?")));
    }

    private Target implicitLocalhost(String name) {
        Map<String, Object> vars = new LinkedHashMap<>(tree.allVars());
        vars.put("ansible_connection", "local");
        return ConnectionVars.target(name, vars);
    }

    @Override
    public String toString() {
        return "Inventory[" + label + "]";
    }
}
