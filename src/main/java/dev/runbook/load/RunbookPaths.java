package dev.runbook.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where runbooks are looked up by name: {@code runbooks/NAME.yaml} of the working directory,
 * then each directory of {@code RUNBOOK_PATH}. A name with a slash or a {@code .yaml} suffix
 * is a path.
 */
public final class RunbookPaths {
    /** The working directory's configuration file (dev.runbook.config): never a runbook. */
    public static final String CONFIG_FILE = "runbook.yaml";
    private final Path workDir;
    private final List<Path> searchPath;
    /** Each RUNBOOK_PATH entry as written, by the directory it names. */
    private final Map<Path, String> entries;

    public RunbookPaths(Path workDir, String runbookPathEnv) {
        this.workDir = workDir;
        List<Path> dirs = new ArrayList<>();
        dirs.add(workDir.resolve("runbooks"));
        Map<Path, String> written = new LinkedHashMap<>();
        if (runbookPathEnv != null && !runbookPathEnv.isBlank()) {
            for (String p : runbookPathEnv.split(":")) {
                if (!p.isBlank()) {
                    dirs.add(workDir.resolve(p));
                    written.putIfAbsent(workDir.resolve(p), p);
                }
            }
        }
        this.searchPath = List.copyOf(dirs);
        this.entries = java.util.Collections.unmodifiableMap(written);
    }

    public static RunbookPaths fromEnvironment() {
        return new RunbookPaths(Path.of("").toAbsolutePath(), System.getenv("RUNBOOK_PATH"));
    }

    public List<Path> searchPath() {
        return searchPath;
    }

    /** Whether {@code p} is the working directory's configuration file, which is never loaded as a runbook. */
    public boolean isConfigFile(Path p) {
        return p.toAbsolutePath().normalize().equals(workDir.resolve(CONFIG_FILE).toAbsolutePath().normalize());
    }

    public static boolean isPath(String name) {
        return name.contains("/") || name.endsWith(".yaml") || name.endsWith(".yml");
    }

    /** Resolves a name given on the command line. */
    public Optional<Path> find(String name) {
        return find(name, workDir);
    }

    /** Resolves a name; paths are relative to {@code relativeTo}, bare names also looked up beside it. */
    public Optional<Path> find(String name, Path relativeTo) {
        if (isPath(name)) {
            Path p = relativeTo.resolve(name).normalize();
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        List<Path> dirs = new ArrayList<>();
        dirs.add(relativeTo);
        searchPath.stream().filter(d -> !d.equals(relativeTo)).forEach(dirs::add);
        for (Path dir : dirs) {
            for (String ext : List.of(".yaml", ".yml")) {
                Path p = dir.resolve(name + ext);
                if (Files.isRegularFile(p) && !isConfigFile(p)) {
                    return Optional.of(p.normalize());
                }
            }
        }
        return Optional.empty();
    }

    /** The directory a name given on the command line names (relative to the working directory) when it names no runbook; else null. */
    public Path directory(String name) {
        Path p = workDir.resolve(name).normalize();
        return Files.isDirectory(p) && find(name).isEmpty() ? p : null;
    }

    /** Every runbook file on the search path, for {@code runbook list}. */
    public List<Path> all() {
        List<Path> out = new ArrayList<>();
        for (Path dir : searchPath) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var files = Files.list(dir)) {
                files.filter(p -> (p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")) && !isConfigFile(p))
                        .sorted().forEach(out::add);
            } catch (java.io.IOException e) {
                // an unreadable directory on the search path lists nothing
            }
        }
        return out;
    }

    /**
     * The RUNBOOK_PATH entries that lookups pass over, each as one line saying which and why
     * ("RUNBOOK_PATH entry /x is not a directory"); empty when every entry is a directory this
     * user may read. Read from the file system on each call. A bad entry fails nothing: a runbook
     * found elsewhere is found.
     */
    public List<String> skipped() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Path, String> e : entries.entrySet()) {
            String why = unusable(e.getKey());
            if (why != null) {
                String written = e.getValue();
                String shown = Path.of(written).isAbsolute() ? written : written + " (" + e.getKey().normalize() + ")";
                out.add("RUNBOOK_PATH entry " + shown + " " + why);
            }
        }
        return out;
    }

    /** Why lookups pass over a RUNBOOK_PATH directory, or null when they look in it. */
    private static String unusable(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Files.exists(dir) ? "is not a directory" : "does not exist";
        }
        // listing needs r, opening a file in it needs x: without either its runbooks would vanish without a word
        return Files.isReadable(dir) && Files.isExecutable(dir) ? null : "cannot be read: permission denied";
    }

    /**
     * The search path as messages show it: the directories looked in (relative to the working
     * directory when under it), then each RUNBOOK_PATH entry skipped and why.
     */
    public String describe() {
        List<String> skipped = skipped();
        String searched = searchPath.stream().filter(p -> !entries.containsKey(p) || unusable(p) == null)
                .map(p -> p.startsWith(workDir) ? workDir.relativize(p).toString() : p.normalize().toString())
                .distinct().reduce((a, b) -> a + ", " + b).orElse("");
        return skipped.isEmpty() ? searched : searched + "; skipped: " + String.join(", ", skipped);
    }
}
