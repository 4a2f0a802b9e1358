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
 * inventory loads unchanged (see {@link InventoryReader} for the format, {@link InventorySources}
 * for inventory directories, {@link VarsFiles} for group_vars and host_vars, {@link GroupTree} for
 * how vars are merged, {@link HostPattern} for patterns). {@code localhost} (also {@code 127.0.0.1}
 * and {@code ::1}) is implicit as in Ansible: a pattern naming it matches even when the file does
 * not list it, as a local target with the {@code all} group's vars; one the file lists is local
 * unless it says where to connect ({@link ExplicitLocalhost}).
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
    private final List<Diagnostic> warnings;

    private Inventory(Path file, String label, GroupTree tree, List<Diagnostic> warnings) {
        this.file = file;
        this.label = label;
        this.tree = tree;
        List<Diagnostic> all = new ArrayList<>(warnings);
        for (String host : tree.hostsOf(Draft.ALL)) {
            order.put(host, order.size());
            targets.put(host, ExplicitLocalhost.target(host, tree.mergedVars(host), tree.host(host), all));
        }
        this.warnings = List.copyOf(all);
    }

    /**
     * Reads and checks an inventory: a file, with group_vars and host_vars beside it, or a
     * directory of inventory files with group_vars and host_vars inside it (see
     * {@link InventorySources}, {@link VarsFiles}).
     *
     * @throws InvalidInputException with every problem in its files, each at its line and column
     */
    public static Inventory load(Path path) {
        String label = RunbookLoader.label(path);
        if (!Files.exists(path)) {
            throw InvalidInputException.usage("inventory " + label + " does not exist");
        }
        List<Diagnostic> out = new ArrayList<>();
        InventorySources sources = InventorySources.of(path, out);
        Draft draft = new Draft();
        VarWarnings warnings = new VarWarnings();
        for (Path f : sources.files()) {
            readFile(f, sources.baseDir(), draft, warnings, out);
        }
        // which group or host a stray vars file was meant for is known only once every inventory file has been read
        VarsFiles.read(sources.baseDir(), draft, warnings, out, out.stream().noneMatch(Diagnostic::isError));
        GroupTree tree = GroupTree.of(draft, out);
        out.addAll(warnings.diagnostics());
        if (tree == null || out.stream().anyMatch(Diagnostic::isError)) {
            throw new InvalidInputException(out.stream().distinct().toList());
        }
        return new Inventory(path, label, tree, out);
    }

    /** One inventory file into {@code draft}; its problems to {@code out}. */
    private static void readFile(Path file, Path baseDir, Draft draft, VarWarnings warnings, List<Diagnostic> out) {
        String label = RunbookLoader.label(file);
        List<Diagnostic> problems = new ArrayList<>();
        Optional<YamlFile> yamlFile = YamlFile.read(file, label, problems);
        Optional<Node> root = yamlFile.flatMap(f -> f.compose(problems));
        Optional<Diagnostic> ini = root.isPresent() && root.get() instanceof MappingNode ? Optional.empty()
                : IniInventory.detect(file, label);
        if (ini.isPresent()) {
            // an INI file fails as YAML in ways that say nothing of the real problem
            out.add(ini.get());
            return;
        }
        if (root.isEmpty()) {
            // a problem with no line (an unreadable file) is printed without the file name: add it
            problems.stream().map(d -> d.pos().line() > 0 ? d
                    : Diagnostic.error(d.pos(), "inventory " + label + ": " + d.message())).forEach(out::add);
            return;
        }
        YamlReader yaml = new YamlReader(yamlFile.get(), problems);
        new InventoryReader(new VarReader(yaml, baseDir, warnings), draft).read(root.get());
        out.addAll(problems);
    }

    /** What the inventory loads with but should be told: misspelt or templated vars, vars files not read. */
    public List<Diagnostic> warnings() {
        return warnings;
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
        return ConnectionVars.target(name, tree.implicitLocalhostVars(name));
    }

    @Override
    public String toString() {
        return "Inventory[" + label + "]";
    }
}
