package dev.runbook.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a runbook controls one service of the stack, as the inventory's {@code services.NAME} entry
 * holds it (see runbooks/README.md): shell command lines for {@code status}, {@code health},
 * {@code start}, {@code stop}, {@code restart}, and for nginx {@code reload} and {@code test_config}.
 * The factories here control the processes the tests start, the way systemd controls real ones.
 */
public record ServiceControl(Map<String, String> commands) {
    private static final int STOP_WAIT_TENTHS = 100;

    public ServiceControl {
        commands = Map.copyOf(commands);
    }

    /** The inventory entry: command name to command line. */
    public Map<String, String> asVars() {
        return new LinkedHashMap<>(commands);
    }

    public String command(String name) {
        String c = commands.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no " + name + " command in " + commands.keySet());
        }
        return c;
    }

    /** Runs one of the commands here, as a runbook would; fails when it fails. */
    public void run(String name) {
        Cli.Result r = Processes.exec(List.of("/bin/sh", "-c", command(name)));
        if (r.exitCode() != 0) {
            throw new AssertionError(name + " failed: " + r);
        }
    }

    /** Whether the health command (else the status command) succeeds now. */
    public boolean healthy() {
        String probe = commands.getOrDefault("health", commands.get("status"));
        return Processes.exec(List.of("/bin/sh", "-c", probe)).exitCode() == 0;
    }

    /** Whether the status command succeeds now. */
    public boolean running() {
        return Processes.exec(List.of("/bin/sh", "-c", command("status"))).exitCode() == 0;
    }

    /**
     * A Java stand-in ({@link StandInService}) with its pid in {@code dir/NAME.pid}: status is
     * {@code kill -0}, stop is TERM and a bounded wait for the process to go.
     */
    public static ServiceControl standIn(Path dir, String name, String health, String... args) {
        Path pid = dir.resolve(name + ".pid");
        Path log = dir.resolve(name + ".log");
        String alive = "kill -0 \"$(cat " + q(pid) + " 2>/dev/null)\" 2>/dev/null";
        String start = StandInService.startCommand(pid, log, args);
        String stop = "if [ -f " + q(pid) + " ]; then kill \"$(cat " + q(pid) + ")\" 2>/dev/null; "
                + "for i in $(seq " + STOP_WAIT_TENTHS + "); do " + alive + " || break; sleep 0.1; done; rm -f " + q(pid) + "; fi";
        Map<String, String> c = new LinkedHashMap<>();
        c.put("status", alive);
        c.put("health", health);
        c.put("start", start);
        c.put("stop", stop);
        c.put("restart", stop + "; " + start);
        return new ServiceControl(c);
    }

    /** An HTTP GET on loopback that succeeds on a 200, with bash's /dev/tcp (no curl needed). */
    public static String httpHealth(int port, String path) {
        return "timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; printf \"GET %s HTTP/1.0\\r\\n\\r\\n\" \"$1\" >&3; head -n 1 <&3' "
                + port + " " + path + " | grep -q ' 200 '";
    }

    /** A Redis PING on loopback that succeeds on PONG, with bash's /dev/tcp (no redis-cli needed). */
    public static String redisHealth(int port) {
        return "timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; printf \"PING\\r\\n\" >&3; head -c 7 <&3' " + port
                + " | grep -q PONG";
    }

    /**
     * The test cluster under {@code pg_ctl}, run as postgres under {@code runuser} as the fixture runs
     * it. {@code start} passes the options the running server was started with (its
     * {@code postmaster.opts}); {@code restart} reuses them by itself, also after a crash.
     */
    public static ServiceControl postgres(Postgres pg) {
        Path data = pg.dataDir();
        Path log = data.getParent().resolve("server.log");
        String ctl = "runuser -u postgres -- " + q(Postgres.bin("pg_ctl")) + " -D " + q(data);
        Map<String, String> c = new LinkedHashMap<>();
        c.put("status", ctl + " status >/dev/null");
        c.put("health", q(Postgres.bin("pg_isready")) + " --quiet --host=127.0.0.1 --port=" + pg.port() + " --timeout=2");
        c.put("start", ctl + " -l " + q(log) + " -w -t 60 -o " + Cli.shellQuote(serverOptions(data)) + " start");
        c.put("stop", ctl + " -m fast -w -t 60 stop");
        c.put("restart", ctl + " -l " + q(log) + " -w -t 60 -m fast restart");
        return new ServiceControl(c);
    }

    /** The server's own options from postmaster.opts, without the program and its data directory. */
    static String serverOptions(Path data) {
        String opts;
        try {
            opts = Files.readString(data.resolve("postmaster.opts")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("the cluster has not been started: no postmaster.opts", e);
        }
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(opts);
        while (m.find()) {
            words.add(m.group(1));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).equals("-D")) {
                i++;
                continue;
            }
            out.add("\"" + words.get(i) + "\"");
        }
        return String.join(" ", out);
    }

    /**
     * nginx under its own configuration: {@code -s reload}, {@code -t}; healthy when it answers HTTP
     * over TLS at all (a 502 from a dead upstream is the upstream's problem, not nginx's).
     */
    public static ServiceControl nginx(Nginx nginx) {
        String alive = "kill -0 \"$(cat " + q(nginx.pidFile()) + " 2>/dev/null)\" 2>/dev/null";
        String stop = nginx.command("-s", "quit") + " 2>/dev/null; for i in $(seq " + STOP_WAIT_TENTHS + "); do " + alive
                + " || break; sleep 0.1; done";
        Map<String, String> c = new LinkedHashMap<>();
        c.put("status", alive);
        c.put("health", "printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' | timeout 5 openssl s_client -quiet"
                + " -connect 127.0.0.1:" + nginx.port() + " 2>/dev/null | head -n 1 | grep -q '^HTTP/'");
        c.put("start", nginx.command());
        c.put("stop", stop);
        c.put("restart", stop + "; " + nginx.command());
        c.put("reload", nginx.command("-s", "reload"));
        c.put("test_config", nginx.command("-t", "-q"));
        return new ServiceControl(c);
    }

    private static String q(Path p) {
        return Cli.shellQuote(p.toString());
    }
}
