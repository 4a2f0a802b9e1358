package dev.runbook.config;

import dev.runbook.load.DidYouMean;
import dev.runbook.load.Mapping;
import dev.runbook.load.YamlFile;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Text;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
            readAudit(top.mapping("audit", new java.util.LinkedHashSet<>(AUDIT_KEYS)), r, d);
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

    private void readAudit(Mapping m, YamlReader r, Draft d) {
        if (m == null) {
            return;
        }
        Text store = m.text("store");
        if (store != null) {
            d.store = parseStore(store.value(), msg -> r.error(store.pos(), "audit.store: " + msg, hint(store.value())));
            d.storePos = store.pos();
        }
        Text url = m.text("url");
        if (url != null) {
            String problem = urlProblem(url.value());
            if (problem != null) {
                r.error(url.pos(), "audit.url " + problem);
            } else {
                d.url = url.value();
            }
        }
        Text user = m.text("user");
        if (user != null) {
            d.user = user.value();
        }
        Text password = m.text("password");
        if (password != null) {
            ConfigSecret s = ConfigSecret.parse(password.value(), password.pos(), home);
            if (s == null) {
                r.error(password.pos(), "audit.password must be env:VARIABLE or file:/path, not the password itself",
                        "a password written here is read by everyone who can read this file");
            }
            d.password = s;
        }
        Text schema = m.text("schema");
        if (schema != null) {
            if (!schema.value().matches("[a-z_][a-z0-9_]{0,62}")) {
                r.error(schema.pos(), "audit.schema must be a lower-case SQL name (letters, digits, _), not '" + schema.value() + "'");
            } else {
                d.schema = schema.value();
            }
        }
        Duration timeout = m.duration("connect_timeout");
        if (timeout != null) {
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                r.error(m.keyPos("connect_timeout"), "audit.connect_timeout must be between 1s and 10m");
            } else {
                d.connectTimeout = timeout;
            }
        }
    }

    private void applyEnvironment(Draft d, List<Diagnostic> out) {
        String store = env.get("RUNBOOK_AUDIT_STORE");
        if (store != null && !store.isBlank()) {
            d.store = parseStore(store, msg -> out.add(usage("RUNBOOK_AUDIT_STORE=" + store + ": " + msg, hint(store))));
            d.storePos = null;
        }
        String url = env.get("RUNBOOK_AUDIT_URL");
        if (url != null && !url.isBlank()) {
            String problem = urlProblem(url);
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
            d.store = parseStore(flags.store(), msg -> out.add(usage("--audit-store " + flags.store() + ": " + msg, hint(flags.store()))));
            d.storePos = null;
        }
        if (flags.url() != null) {
            String problem = urlProblem(flags.url());
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

    private static AuditConfig.Store parseStore(String text, java.util.function.Consumer<String> error) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.equals("file")) {
            return AuditConfig.Store.FILE;
        }
        if (s.equals("postgres") || s.equals("postgresql")) {
            return AuditConfig.Store.POSTGRES;
        }
        error.accept("unknown store '" + text + "' (the stores are file and postgres)");
        return null;
    }

    private static String hint(String store) {
        String h = DidYouMean.suggest(store.strip(), STORES);
        return h == null ? null : "did you mean '" + h + "'?";
    }

    /** What is wrong with an audit URL (to follow its name in a message), or null. */
    static String urlProblem(String url) {
        if (url.toLowerCase(Locale.ROOT).matches(".*[?&]password=.*")) {
            return "must not carry the password: give audit.password as env:VARIABLE or file:/path";
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            return "must be a PostgreSQL JDBC URL such as jdbc:postgresql://HOST:5432/DATABASE, not '" + url + "'";
        }
        return null;
    }

    private static Diagnostic usage(String message, String hint) {
        return Diagnostic.error(new SourcePos("runbook", 0, 0), message, hint);
    }

    /** Settings as they are read; null means not given. */
    private static final class Draft {
        AuditConfig.Store store;
        SourcePos storePos;
        String url;
        String user;
        ConfigSecret password;
        String schema;
        Duration connectTimeout;
        ConfigSection daemon;

        AuditConfig finish(List<Diagnostic> out) {
            AuditConfig.Store s = store != null ? store : url != null ? AuditConfig.Store.POSTGRES : AuditConfig.Store.FILE;
            if (s == AuditConfig.Store.POSTGRES && url == null && out.stream().noneMatch(Diagnostic::isError)) {
                String msg = "audit.store is postgres but no audit.url is given (in the configuration file, RUNBOOK_AUDIT_URL or --audit-url)";
                out.add(storePos != null ? Diagnostic.error(storePos, msg) : usage(msg, null));
            }
            return new AuditConfig(s, url, user, password, schema != null ? schema : AuditConfig.DEFAULT_SCHEMA,
                    connectTimeout != null ? connectTimeout : AuditConfig.DEFAULT_CONNECT_TIMEOUT);
        }
    }
}
