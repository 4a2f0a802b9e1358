package dev.runbook.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster for integration tests, run from the system's binaries
 * ({@code /usr/lib/postgresql/N/bin}, the newest N; {@code RUNBOOK_PG_BIN} overrides) on 127.0.0.1 and a
 * free port, its data directory and unix socket in a temporary directory. PostgreSQL refuses to run as
 * root, so as root (how the tests run) every server command runs as {@code postgres} under
 * {@code runuser}.
 *
 * <p>The superuser {@value #SUPERUSER} has a password and TCP logins use scram-sha-256, so tests
 * exercise password authentication; {@code fsync} is off. {@code initdb} runs once per JVM into a
 * template that each new cluster copies (about 0.1 s instead of 1-2 s).
 *
 * <p>{@link #start()} gives a test class its own cluster, to close in {@code @AfterAll};
 * {@link #shared()} one cluster for the whole JVM, stopped at exit, for tests that only need
 * databases of their own ({@link #createDatabase}). Do not stop the shared one.
 */
public final class Postgres implements AutoCloseable {
    public static final String SUPERUSER = "postgres";
    private static final String HOST = "127.0.0.1";
    private static final long COMMAND_SECONDS = 60;
    private static final int START_SECONDS = 30;

    private static Path template;
    private static String password;
    private static Postgres shared;

    private final Path dir;
    private final Path data;
    private final Path log;
    private final int port;
    private volatile boolean running;
    private final Thread reaper;

    private Postgres(Path dir, int port) {
        this.dir = dir;
        this.data = dir.resolve("data");
        this.log = dir.resolve("server.log");
        this.port = port;
        this.reaper = new Thread(() -> {
            stopQuietly();
            deleteTree(dir);
        }, "postgres-it-reaper");
    }

    /** A new cluster of its own, running. */
    public static Postgres start() throws IOException {
        Path tpl = template();
        Path dir = Files.createTempDirectory("pg-it-");
        asPostgresOwner(dir);
        runServerTool(List.of("cp", "-a", tpl.toString(), dir.resolve("data").toString()));
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            Postgres pg = new Postgres(dir, freePort());
            try {
                pg.startServer();
                Runtime.getRuntime().addShutdownHook(pg.reaper);
                return pg;
            } catch (IOException e) {
                last = e;  // most likely the port was taken between choosing and binding it: try another
            }
        }
        deleteTree(dir);
        throw last;
    }

    /** One cluster for the whole JVM, started on first use and stopped when the JVM exits. */
    public static synchronized Postgres shared() {
        if (shared == null) {
            try {
                shared = start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    /** The superuser's password (random per JVM). */
    public String password() {
        return password;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    public boolean running() {
        return running;
    }

    public Path dataDir() {
        return data;
    }

    /** A new connection as the superuser; the caller closes it. */
    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", SUPERUSER);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "120");
        p.setProperty("ApplicationName", "postgres-it");
        return DriverManager.getConnection(jdbcUrl(database), p);
    }

    /** Creates (or re-creates, empty) a database owned by the superuser. */
    public void createDatabase(String name) {
        String ident = "\"" + name.replace("\"", "\"\"") + "\"";
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            // two round trips: neither may run in the implicit transaction of a multi-statement query
            s.execute("DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + ident);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Runs SQL (one statement or several separated by ;) as the superuser, in autocommit. */
    public void execute(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + database + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    /** The rows of a query as the superuser: column label to value, as the driver returns them. */
    public List<Map<String, Object>> query(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed on " + database + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    /** The first column of the first row, or null. */
    public Object queryValue(String database, String sql) {
        List<Map<String, Object>> rows = query(database, sql);
        return rows.isEmpty() ? null : rows.get(0).values().iterator().next();
    }

    /**
     * Stops the server at once ({@code -m immediate}: like a crash, clients see their connections
     * drop), keeping its data; {@link #restart()} brings it back on the same port.
     */
    public void stopTemporarily() throws IOException {
        if (running) {
            pgCtl("stop", "-m", "immediate", "-w", "-t", String.valueOf(START_SECONDS));
            running = false;
        }
    }

    /** Starts the server again on the same port, stopping it first when it runs. */
    public void restart() throws IOException {
        stopTemporarily();
        startServer();
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Stops the server ({@code -m immediate}) and deletes its directory. */
    @Override
    public void close() {
        stopQuietly();
        deleteTree(dir);
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
            // the JVM is already exiting: the hook runs or ran
        }
    }

    private void stopQuietly() {
        try {
            stopTemporarily();
        } catch (IOException e) {
            System.err.println("postgres on port " + port + " did not stop: " + e.getMessage());
        }
    }

    private void startServer() throws IOException {
        String options = "-c listen_addresses=" + HOST + " -p " + port + " -c unix_socket_directories=" + dir
                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                + " -c shared_buffers=32MB -c logging_collector=off";
        try {
            pgCtl("start", "-w", "-t", String.valueOf(START_SECONDS), "-l", log.toString(), "-o", options);
        } catch (IOException e) {
            pgCtlQuietly("stop", "-m", "immediate");
            throw new IOException(e.getMessage() + "\nserver log (" + log + "):\n" + logTail(30), e);
        }
        running = true;
    }

    private void pgCtl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(bin("pg_ctl").toString(), "-D", data.toString()));
        cmd.addAll(List.of(args));
        runServerTool(cmd);
    }

    private void pgCtlQuietly(String... args) {
        try {
            pgCtl(args);
        } catch (IOException e) {
            // best effort: the caller reports the original failure
        }
    }

    private static synchronized Path template() throws IOException {
        if (template != null) {
            return template;
        }
        Path dir = Files.createTempDirectory("pg-it-template-");
        asPostgresOwner(dir);
        String pw = UUID.randomUUID().toString();
        Path pwFile = dir.resolve("pwfile");
        Files.writeString(pwFile, pw + "\n");
        asPostgresOwner(pwFile);
        Path data = dir.resolve("data");
        runServerTool(List.of(bin("initdb").toString(), "-D", data.toString(), "-U", SUPERUSER,
                "--pwfile=" + pwFile, "--auth-host=scram-sha-256", "--auth-local=trust",
                "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"));
        Files.delete(pwFile);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "postgres-it-template"));
        password = pw;
        template = data;
        return data;
    }

    /** The directory of the server binaries: RUNBOOK_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
    static Path bin(String tool) {
        String override = System.getenv("RUNBOOK_PG_BIN");
        if (override != null && !override.isBlank()) {
            return Path.of(override, tool);
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                    .max(Comparator.comparingInt(v -> parseVersion(v.getFileName().toString())))
                    .map(v -> v.resolve("bin").resolve(tool))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
                            + " (install the postgresql package, or set RUNBOOK_PG_BIN)"));
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL server binaries: /usr/lib/postgresql is missing"
                    + " (install the postgresql package, or set RUNBOOK_PG_BIN)", e);
        }
    }

    private static int parseVersion(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void asPostgresOwner(Path p) throws IOException {
        if (root()) {
            Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SUPERUSER));
        }
    }

    /** Runs a server tool as postgres (as root: under runuser), bounded; fails with its output. */
    private static void runServerTool(List<String> argv) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (root()) {
            cmd.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
        }
        cmd.addAll(argv);
        Path out = Files.createTempFile("pg-it-cmd-", ".out");
        try {
            // output to a file, not a pipe: pg_ctl start leaves the server holding its stdout open
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).directory(new File("/tmp")).start();
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + COMMAND_SECONDS + " s: "
                        + Files.readString(out));
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed with exit " + p.exitValue() + ": "
                        + Files.readString(out).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", cmd), e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temp directory left behind is not worth failing a test for
        }
    }
}
