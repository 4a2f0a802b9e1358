package dev.runbook.inventory;

import dev.runbook.load.RunbookLoader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.SourcePos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files an inventory given as a path is read from, and the directory its group_vars and
 * host_vars are found in. A file is itself, beside them. A directory is, as in Ansible, the
 * inventory files directly in it, in name order, merged, with group_vars and host_vars inside it;
 * runbook reads those whose names end in .yaml, .yml or .json. Ansible's YAML plugin also tries
 * files without an extension, but in an inventory directory those are as often a known_hosts or a
 * LICENSE: one that starts like a YAML inventory is warned about instead.
 *
 * @param baseDir where group_vars and host_vars are
 * @param files   the inventory files, in the order their hosts and vars merge
 */
record InventorySources(Path baseDir, List<Path> files) {
    /** Ansible's INVENTORY_IGNORE_EXTS and the names it always skips in an inventory directory. */
    private static final Set<String> IGNORED_EXTENSIONS = Set.of(
            ".pyc", ".pyo", ".swp", ".bak", ".rpm", ".md", ".txt", ".rst", ".orig", ".ini", ".cfg", ".retry");
    private static final Set<String> IGNORED_NAMES = Set.of("group_vars", "host_vars", "vars_plugins");
    private static final Set<String> YAML_EXTENSIONS = Set.of(".yaml", ".yml", ".json");

    InventorySources {
        files = List.copyOf(files);
    }

    /**
     * The sources of {@code path}, which exists. What a directory holds and is not read is added to
     * {@code warnings}.
     *
     * @throws InvalidInputException when a directory holds no inventory file, with those warnings
     */
    static InventorySources of(Path path, List<Diagnostic> warnings) {
        Path absolute = path.toAbsolutePath();
        if (!Files.isDirectory(path)) {
            return new InventorySources(absolute.getParent(), List.of(path));
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(path)) {
            entries = s.sorted().toList();
        } catch (IOException e) {
            throw InvalidInputException.usage("inventory " + RunbookLoader.label(path) + ": cannot read the directory: " + e.getMessage());
        }
        List<Path> files = new ArrayList<>();
        for (Path p : entries) {
            String skipped = skipped(p);
            if (skipped == null) {
                files.add(p);
            } else if (!skipped.isEmpty()) {
                warnings.add(Diagnostic.warning(new SourcePos(RunbookLoader.label(p), 0, 0), "not read as part of the inventory: " + skipped));
            }
        }
        if (files.isEmpty()) {
            List<Diagnostic> all = new ArrayList<>(List.of(Diagnostic.error(new SourcePos("runbook", 0, 0), "inventory "
                    + RunbookLoader.label(path) + " is a directory with no YAML inventory file in it (NAME.yaml, NAME.yml or NAME.json)")));
            all.addAll(warnings);
            throw new InvalidInputException(all);
        }
        return new InventorySources(absolute, files);
    }

    /**
     * Null for an inventory file; why not, for one passed over with a word; empty for one passed
     * over in silence: what Ansible passes over, and files that are not inventories (a known_hosts
     * beside the inventory, a LICENSE). What Ansible would read as an inventory and runbook does not
     * (scripts, INI, TOML, subdirectories, YAML without an extension) is said.
     */
    private static String skipped(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 ? name.substring(dot).toLowerCase(java.util.Locale.ROOT) : "";
        if (name.startsWith(".") || name.endsWith("~") || IGNORED_NAMES.contains(name) || IGNORED_EXTENSIONS.contains(ext)) {
            return "";
        }
        if (Files.isDirectory(p)) {
            return "runbook reads the inventory files directly in the directory, not those of its subdirectories";
        }
        if (!Files.isRegularFile(p)) {
            return YAML_EXTENSIONS.contains(ext) ? "it is not a regular file" : "";
        }
        return YAML_EXTENSIONS.contains(ext) ? null : otherFile(p, name, ext);
    }

    /** For a regular file that is not YAML: what Ansible would read it as, or empty. */
    private static String otherFile(Path p, String name, String ext) {
        if (Files.isExecutable(p)) {
            return "an executable is a dynamic inventory script, which runbook does not run";
        }
        String label = RunbookLoader.label(p);
        if (ext.equals(".toml")) {
            return "TOML inventories are not supported; convert it to YAML with: ansible-inventory -i " + label + " --list -y";
        }
        if (IniInventory.detect(p, label).isPresent()) {
            return "INI inventories are not supported; convert it to YAML with: ansible-inventory -i " + label + " --list -y --output "
                    + label.replaceFirst("\\.[^./]*$", "") + ".yaml";
        }
        return ext.isEmpty() && startsLikeAYamlInventory(p) ? "runbook reads the inventory files whose names end in .yaml, .yml"
                + " or .json; rename it to " + name + ".yaml to have it read" : "";
    }

    /** Its first line with content is a key at the left margin ({@code all:}, {@code web:}), as an inventory's is. */
    private static boolean startsLikeAYamlInventory(Path p) {
        try (Stream<String> lines = Files.lines(p)) {
            return lines.map(String::stripTrailing).filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.equals("---"))
                    .findFirst().map(l -> l.matches("[\\w.-]+:(\\s.*)?")).orElse(false);
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }
}
