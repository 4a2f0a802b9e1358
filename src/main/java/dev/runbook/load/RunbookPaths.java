package dev.runbook.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    public RunbookPaths(Path workDir, String runbookPathEnv) {
        this.workDir = workDir;
        List<Path> dirs = new ArrayList<>();
        dirs.add(workDir.resolve("runbooks"));
        if (runbookPathEnv != null && !runbookPathEnv.isBlank()) {
            for (String p : runbookPathEnv.split(":")) {
                if (!p.isBlank()) {
                    dirs.add(workDir.resolve(p));
                }
            }
        }
        this.searchPath = List.copyOf(dirs);
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

    public String describe() {
        return searchPath.stream().map(p -> workDir.relativize(p).toString()).reduce((a, b) -> a + ", " + b).orElse("");
    }
}
