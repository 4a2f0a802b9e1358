package dev.runbook.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real nginx (Debian's {@code nginx}) serving TLS on 127.0.0.1 and a free port, with its own
 * configuration, pid file, logs and temporary directories in a directory of the test's: started
 * with {@code -p DIR -e DIR/error.log -c DIR/nginx.conf}, the way the inventory's commands drive it
 * ({@link ServiceControl#nginx}). {@code /health} answers 200 itself, or is proxied to an upstream
 * (the content server) when one is given.
 */
public final class Nginx implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Path cert;
    private final Path key;
    private final Integer upstream;

    private Nginx(Path dir, int port, Path cert, Path key, Integer upstream) {
        this.dir = dir;
        this.port = port;
        this.cert = cert;
        this.key = key;
        this.upstream = upstream;
    }

    /**
     * Writes the configuration and starts nginx.
     *
     * @param upstream the loopback port {@code /} is proxied to, or null to answer {@code /health} itself
     */
    public static Nginx start(Path dir, Path cert, Path key, Integer upstream) throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        Nginx n = new Nginx(dir, freePort(), cert, key, upstream);
        n.writeConfig();
        n.exec(n.commandLine());
        if (!Processes.eventually(Duration.ofSeconds(10), n::running)) {
            throw new IOException("nginx did not start: " + n.errorLog());
        }
        return n;
    }

    public int port() {
        return port;
    }

    public Path pidFile() {
        return dir.resolve("nginx.pid");
    }

    public Path configFile() {
        return dir.resolve("nginx.conf");
    }

    /** {@code nginx -p DIR -e DIR/error.log -c DIR/nginx.conf} and {@code extra}, as one shell line. */
    public String command(String... extra) {
        return String.join(" ", commandLine(extra).stream().map(Cli::shellQuote).toList());
    }

    private List<String> commandLine(String... extra) {
        List<String> cmd = new ArrayList<>(List.of(binary(), "-p", dir.toString(), "-e", dir.resolve("error.log").toString(),
                "-c", configFile().toString()));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    private static String binary() {
        return Stream.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
                .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse("nginx");
    }

    public void writeConfig() throws IOException {
        String location = upstream == null
                ? "    location /health { default_type application/json; return 200 '{\"status\":\"ok\"}'; }\n"
                : "    location / { proxy_pass http://127.0.0.1:" + upstream + "; proxy_buffering off; }\n";
        Path tmp = dir.resolve("tmp");
        Files.writeString(configFile(), "user root root;\n"
                + "worker_processes 1;\n"
                + "daemon on;\n"
                + "pid " + pidFile() + ";\n"
                + "error_log " + dir.resolve("error.log") + ";\n"
                + "events { worker_connections 64; }\n"
                + "http {\n"
                + "  access_log off;\n"
                + "  client_body_temp_path " + tmp + "/body;\n"
                + "  proxy_temp_path " + tmp + "/proxy;\n"
                + "  fastcgi_temp_path " + tmp + "/fastcgi;\n"
                + "  uwsgi_temp_path " + tmp + "/uwsgi;\n"
                + "  scgi_temp_path " + tmp + "/scgi;\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + port + " ssl;\n"
                + "    server_name localhost;\n"
                + "    ssl_certificate " + cert + ";\n"
                + "    ssl_certificate_key " + key + ";\n"
                + location
                + "  }\n"
                + "}\n");
    }

    /** Breaks the configuration, as a bad edit would: {@code nginx -t} fails from now on. */
    public void breakConfig() throws IOException {
        Files.writeString(configFile(), "this is not a directive;\n", StandardOpenOption.APPEND);
    }

    /** Whether the master process in the pid file is alive. */
    public boolean running() {
        return masterPid() > 0 && ProcessHandle.of(masterPid()).map(ProcessHandle::isAlive).orElse(false);
    }

    public long masterPid() {
        try {
            return Files.exists(pidFile()) ? Long.parseLong(Files.readString(pidFile()).strip()) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Kills the master and its workers at once (SIGKILL), as a crash would; the pid file stays. */
    public void kill() {
        // the master named by the pid file, and any master started with this configuration (its title
        // keeps the command line), should the pid file ever name another
        String config = configFile().toString();
        List<ProcessHandle> masters = new ArrayList<>(ProcessHandle.of(masterPid()).stream().toList());
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("master process") && c.contains(config)).orElse(false))
                .filter(p -> masters.stream().noneMatch(m -> m.pid() == p.pid()))
                .forEach(masters::add);
        // the masters first (Processes.crash): a master that outlives one of its workers by a moment
        // spawns a new one, which nothing here knows of and which keeps serving on the listening socket
        masters.forEach(Processes::crash);
    }

    public String errorLog() {
        try {
            Path log = dir.resolve("error.log");
            return Files.exists(log) ? Files.readString(log) : "(no error log)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops nginx (QUIT, then KILL after 10 s). */
    @Override
    public void close() {
        if (running()) {
            Processes.exec(commandLine("-s", "quit"));
            if (!Processes.eventually(Duration.ofSeconds(10), () -> !running())) {
                kill();
            }
        }
    }

    private void exec(List<String> cmd) throws IOException {
        Cli.Result r = Processes.exec(cmd);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r.output() + "\n" + errorLog());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
