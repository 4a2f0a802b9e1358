package dev.runbook.inventory;

import dev.runbook.load.DidYouMean;
import dev.runbook.load.Mapping;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.YamlFile;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * {@code group_vars/} and {@code host_vars/} beside an inventory, read as Ansible's host_group_vars
 * plugin reads them: for a group or host NAME, the first of {@code NAME}, {@code NAME.yml},
 * {@code NAME.yaml} and {@code NAME.json} that exists; when that is a directory, its files (without
 * an extension, or .yml, .yaml, .json; hidden files and backups~ skipped) in name order, its
 * subdirectories among them. Each file's vars are checked as the inventory's are. An empty file
 * gives nothing, as in Ansible. What Ansible passes over in silence is warned about here: a vars
 * file for a group or host the inventory does not have, and one that another of the same name hides.
 */
final class VarsFiles {
    private static final List<String> EXTENSIONS = List.of("", ".yml", ".yaml", ".json");
    private static final Set<String> VARS_EXTENSIONS = Set.of(".yml", ".yaml", ".json");

    private final Path base;
    private final VarWarnings warnings;
    private final List<Diagnostic> out;

    private VarsFiles(Path base, VarWarnings warnings, List<Diagnostic> out) {
        this.base = base;
        this.warnings = warnings;
        this.out = out;
    }

    /**
     * Reads {@code base}/group_vars and {@code base}/host_vars, when present, into {@code draft};
     * problems to {@code out}. Files for no group or host are told only when {@code complete}: the
     * inventory files were read without an error.
     */
    static void read(Path base, Draft draft, VarWarnings warnings, List<Diagnostic> out, boolean complete) {
        VarsFiles files = new VarsFiles(base, warnings, out);
        Path groupVars = files.dir("group_vars");
        if (groupVars != null) {
            Set<Path> used = new HashSet<>();
            draft.groups.values().forEach(g -> files.load(groupVars, g.name, "group", used, g.fileVars));
            if (complete) {
                files.unused(groupVars, used, draft.groups.keySet(), "group");
            }
        }
        Path hostVars = files.dir("host_vars");
        if (hostVars != null) {
            Set<Path> used = new HashSet<>();
            draft.hosts.values().forEach(h -> files.load(hostVars, h.name, "host", used, h.fileVars));
            Set<String> names = new LinkedHashSet<>(draft.hosts.keySet());
            for (String local : Inventory.LOCALHOST_NAMES.stream().sorted().toList()) {
                if (names.add(local)) {
                    Map<String, Object> vars = new LinkedHashMap<>();
                    files.load(hostVars, local, "host", used, vars);
                    draft.implicitHostFileVars.put(local, vars);
                }
            }
            if (complete) {
                files.unused(hostVars, used, names, "host");
            }
        }
    }

    private Path dir(String name) {
        Path dir = base.resolve(name);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        if (Files.exists(dir)) {
            out.add(Diagnostic.warning(new SourcePos(RunbookLoader.label(dir), 0, 0), "not read: " + name + " is not a directory"));
        }
        return null;
    }

    /** Ansible's find_vars_files for one group or host: the first candidate that exists, read into {@code into}. */
    private void load(Path dir, String name, String kind, Set<Path> used, Map<String, Object> into) {
        for (String ext : EXTENSIONS) {
            Path p = dir.resolve(name + ext);
            if (Files.exists(p)) {
                used.add(p);
                List<Path> files = Files.isDirectory(p) ? listed(p, new HashSet<>()) : List.of(p);
                files.forEach(f -> readFile(f, kind + " '" + name + "'", into));
                return;
            }
        }
    }

    /** A vars directory's files in Ansible's order: by name, subdirectories (without an extension) in place. */
    private List<Path> listed(Path dir, Set<Path> seen) {
        List<Path> found = new ArrayList<>();
        try {
            if (!seen.add(dir.toRealPath())) {
                return found;
            }
            for (Path p : entries(dir)) {
                String ext = extension(p);
                if (Files.isDirectory(p) && ext.isEmpty()) {
                    found.addAll(listed(p, seen));
                } else if (Files.isRegularFile(p) && (ext.isEmpty() || VARS_EXTENSIONS.contains(ext))) {
                    found.add(p);
                }
            }
        } catch (IOException e) {
            out.add(Diagnostic.error(new SourcePos(RunbookLoader.label(dir), 0, 0), "cannot read: " + e.getMessage()));
        }
        return found;
    }

    private void readFile(Path file, String whose, Map<String, Object> into) {
        if (isBlank(file)) {
            return;
        }
        Optional<YamlFile> yaml = YamlFile.read(file, RunbookLoader.label(file), out);
        Optional<Node> root = yaml.flatMap(f -> f.compose(out));
        if (root.isEmpty() || YamlReader.isNull(root.get())) {
            return;
        }
        YamlReader reader = new YamlReader(yaml.get(), out);
        Mapping m = reader.mapping(root.get(), "the vars of " + whose, null);
        if (m != null) {
            VarReader vars = new VarReader(reader, base, warnings);
            m.keys().forEach(name -> vars.put(into, name, m.keyPos(name), m.get(name)));
        }
    }

    /** Entries of group_vars or host_vars no group or host read: hidden by another, or for one the inventory lacks. */
    private void unused(Path dir, Set<Path> used, Collection<String> names, String kind) {
        List<Path> entries;
        try {
            entries = entries(dir);
        } catch (IOException e) {
            out.add(Diagnostic.error(new SourcePos(RunbookLoader.label(dir), 0, 0), "cannot read: " + e.getMessage()));
            return;
        }
        for (Path p : entries) {
            String file = p.getFileName().toString();
            String ext = extension(p);
            String name = VARS_EXTENSIONS.contains(ext) ? file.substring(0, file.length() - ext.length()) : file;
            SourcePos where = new SourcePos(RunbookLoader.label(p), 0, 0);
            if (used.contains(p)) {
                continue;
            }
            if (names.contains(name)) {
                Path read = EXTENSIONS.stream().map(e -> dir.resolve(name + e)).filter(used::contains).findFirst().orElse(p);
                out.add(Diagnostic.warning(where, "not read: " + kind + " '" + name + "' takes its vars from " + read.getFileName()
                        + " alone (as in Ansible, which reads only the first of NAME, NAME.yml, NAME.yaml and NAME.json)"));
            } else if (Files.isDirectory(p) || ext.isEmpty() || VARS_EXTENSIONS.contains(ext)) {
                String near = DidYouMean.suggest(name, names);
                out.add(new Diagnostic(Diagnostic.Severity.WARNING, where, "not read: the inventory has no " + kind + " '" + name + "'",
                        near == null ? null : "did you mean '" + near + "'?"));
            }
        }
    }

    /** A directory's entries by name, hidden files and editor backups left out, as Ansible leaves them. */
    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".") && !p.getFileName().toString().endsWith("~"))
                    .sorted().toList();
        }
    }

    /** Python's os.path.splitext: from the last dot, when it is not the first character. */
    private static String extension(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot) : "";
    }

    /** Empty, or only comments: Ansible takes such a vars file as no vars, not as an error. */
    private static boolean isBlank(Path file) {
        try {
            return Files.size(file) <= YamlFile.MAX_BYTES
                    && Files.readString(file).lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"));
        } catch (IOException e) {
            return false;
        }
    }
}
