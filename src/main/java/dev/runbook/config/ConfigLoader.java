package dev.runbook.config;

import dev.runbook.load.Mapping;
import dev.runbook.load.YamlFile;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.SourcePos;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Finds and reads the configuration. The first file found wins, whole (files are not merged, so
 * a setting, and above all a password reference, always comes with the URL of the same file):
 * {@code $RUNBOOK_CONFIG}, else {@code runbook.yaml} in the working directory, else
 * {@code $XDG_CONFIG_HOME/runbook/config.yaml} ({@code ~/.config/runbook/config.yaml}).
 * Environment variables then override single settings ({@code RUNBOOK_AUDIT_STORE},
 * {@code _URL}, {@code _USER}, {@code _PASSWORD}), and command-line flags override those.
 *
 * <p>Every problem is reported at once as {@code file:line:col: error: ...}; unknown keys get a
 * did-you-mean hint.
 */
public final class ConfigLoader {
    /** The configuration file of a working directory; never a runbook. */
    public static final String WORKDIR_FILE = "runbook.yaml";
    static final List<String> TOP_KEYS = List.of("audit", "daemon");
    static final List<String> AUDIT_KEYS = List.of("store", "url", "user", "password", "schema", "connect_timeout");
    static final List<String> STORES = List.of("file", "postgres");

    /** Settings given on the command line; null fields are not given. */
    public record Overrides(String store, String url, String user) {
        public static final Overrides NONE = new Overrides(null, null, null);
    }

    private final Path workDir;
    private final Path home;
    private final Map<String, String> env;

    public ConfigLoader(Path workDir, Path home, Map<String, String> env) {
        this.workDir = workDir.toAbsolutePath().normalize();
        this.home = home;
        this.env = env;
    }

    /** The loader for this process: the working directory, {@code HOME} (else user.home). */
    public static ConfigLoader fromSystem(Map<String, String> env) {
        String h = env.get("HOME");
        Path home = Path.of(h != null && !h.isBlank() ? h : System.getProperty("user.home"));
        return new ConfigLoader(Path.of("").toAbsolutePath(), home, env);
    }

    /** Whether {@code candidate} is the working directory's configuration file (so not a runbook). */
    public static boolean isConfigFile(Path workDir, Path candidate) {
        Path c = candidate.toAbsolutePath().normalize();
        return c.equals(workDir.toAbsolutePath().normalize().resolve(WORKDIR_FILE));
    }

    /**
     * The configuration file that applies, if any.
     *
     * @throws InvalidInputException when {@code RUNBOOK_CONFIG} names a file that does not exist
     */
    public Optional<Path> find() {
        String explicit = env.get("RUNBOOK_CONFIG");
        if (explicit != null && !explicit.isBlank()) {
            Path p = workDir.resolve(explicit);
            if (!Files.isRegularFile(p)) {
                throw InvalidInputException.usage("RUNBOOK_CONFIG=" + explicit + ": no such file");
            }
            return Optional.of(p);
        }
        Path local = workDir.resolve(WORKDIR_FILE);
        if (Files.isRegularFile(local)) {
            return Optional.of(local);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path user = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".config")).resolve("runbook").resolve("config.yaml");
        return Files.isRegularFile(user) ? Optional.of(user) : Optional.empty();
    }

    /**
     * Reads the configuration, then applies the environment and {@code flags}.
     *
     * @throws InvalidInputException with every problem found (exit code 2)
     */
    public Config load(Overrides flags) {
        List<Diagnostic> out = new ArrayList<>();
        Optional<Path> file = find();
        Draft d = new Draft();
        if (file.isPresent()) {
            readFile(file.get(), d, out);
        }
        applyEnvironment(d, out);
        applyFlags(flags == null ? Overrides.NONE : flags, d, out);
        AuditConfig audit = d.finish(out);
        List<Diagnostic> errors = out.stream().filter(Diagnostic::isError).toList();
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new Config(file.orElse(null), audit, d.daemon);
    }

    private String label(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        return abs.startsWith(workDir) ? workDir.relativize(abs).toString() : abs.toString();
    }

    private void readFile(Path path, Draft d, List<Diagnostic> out) {
        String label = label(path);
        if (onlyComments(path)) {
            return;
        }
        Optional<YamlFile> file = YamlFile.read(path, label, out);
        Optional<Node> root = file.flatMap(f -> f.compose(out));
        if (root.isEmpty()) {
            return;
        }
        YamlReader r = new YamlReader(file.get(), out);
        if (looksLikeRunbook(root.get(), r)) {
            return;
        }
        Mapping top = r.mapping(root.get(), "the configuration", TOP_KEYS);
        if (top == null) {
            return;
        }
        if (top.has("audit")) {
            AuditSection.read(top.mapping("audit", new java.util.LinkedHashSet<>(AUDIT_KEYS)), r, d, home);
        }
        if (top.has("daemon")) {
            Node n = top.get("daemon");
            if (n instanceof MappingNode) {
                d.daemon = new ConfigSection(file.get(), n);
            } else if (!YamlReader.isNull(n)) {
                r.error(n, "'daemon' must be a mapping");
            }
        }
    }

    private static boolean onlyComments(Path path) {
        try {
            if (Files.size(path) > YamlFile.MAX_BYTES) {
                return false;
            }
            return Files.readString(path, StandardCharsets.UTF_8).lines()
                    .allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#") || l.strip().equals("---"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;  // YamlFile.read reports why it cannot be read
        }
    }

    /** A runbook saved as runbook.yaml in the working directory: say what the file is for. */
    private static boolean looksLikeRunbook(Node root, YamlReader r) {
        if (!(root instanceof MappingNode map)) {
            return false;
        }
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("steps")) {
                r.error(r.pos(t.getKeyNode()), "this file has 'steps' like a runbook, but " + WORKDIR_FILE
                        + " in the working directory is runbook's configuration file",
                        "move the runbook to runbooks/NAME.yaml");
                return true;
            }
        }
        return false;
    }

    private void applyEnvironment(Draft d, List<Diagnostic> out) {
        String store = env.get("RUNBOOK_AUDIT_STORE");
        if (store != null && !store.isBlank()) {
            d.store = AuditSection.parseStore(store, msg -> out.add(usage("RUNBOOK_AUDIT_STORE=" + store + ": " + msg, AuditSection.hint(store))));
            d.storePos = null;
        }
        String url = env.get("RUNBOOK_AUDIT_URL");
        if (url != null && !url.isBlank()) {
            String problem = AuditSection.urlProblem(url);
            if (problem != null) {
                out.add(usage("RUNBOOK_AUDIT_URL " + problem, null));
            } else {
                d.url = url;
            }
        }
        String user = env.get("RUNBOOK_AUDIT_USER");
        if (user != null && !user.isBlank()) {
            d.user = user;
        }
        String password = env.get("RUNBOOK_AUDIT_PASSWORD");
        if (password != null) {
            d.password = ConfigSecret.fromVariable("RUNBOOK_AUDIT_PASSWORD", password);
        }
    }

    private static void applyFlags(Overrides flags, Draft d, List<Diagnostic> out) {
        if (flags.store() != null) {
            d.store = AuditSection.parseStore(flags.store(), msg -> out.add(usage("--audit-store " + flags.store() + ": " + msg, AuditSection.hint(flags.store()))));
            d.storePos = null;
        }
        if (flags.url() != null) {
            String problem = AuditSection.urlProblem(flags.url());
            if (problem != null) {
                out.add(usage("--audit-url " + problem, null));
            } else {
                d.url = flags.url();
            }
        }
        if (flags.user() != null) {
            d.user = flags.user();
        }
    }

    static Diagnostic usage(String message, String hint) {
        return Diagnostic.error(new SourcePos("runbook", 0, 0), message, hint);
    }
}
