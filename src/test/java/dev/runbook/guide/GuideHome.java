package dev.runbook.guide;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.testing.Cli;
import dev.runbook.testing.ContentServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A working directory for running the guide's runbooks through the CLI against a
 * {@link ContentServer}: a test inventory whose {@code nucleus} host is this machine (local
 * connection) with the server's URLs and the config files the runbooks read, and a bearer token
 * that is a unique canary so a leak anywhere can be searched for.
 */
final class GuideHome {
    static final Path RUNBOOKS = Path.of("runbooks").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final String token = "tok-canary-" + UUID.randomUUID();
    final Map<String, Object> hostVars = new LinkedHashMap<>();

    GuideHome(Path dir) {
        this.dir = dir;
        hostVars.put("ansible_connection", "local");
    }

    static String runbook(String name) {
        return RUNBOOKS.resolve(name + ".yaml").toString();
    }

    /** Points the host at the server: nucleus_url, nucleus_ws_url and nucleus_ws_port. */
    GuideHome serving(ContentServer server) {
        hostVars.put("nucleus_url", server.url());
        hostVars.put("nucleus_ws_url", server.sync.url());
        hostVars.put("nucleus_ws_port", server.sync.port());
        return this;
    }

    GuideHome var(String name, Object value) {
        hostVars.put(name, value);
        return this;
    }

    /** Writes {@code name} in the home directory and sets the host var {@code var} to its path. */
    GuideHome file(String var, String name, String content) {
        Path p = dir.resolve(name);
        write(p, content);
        hostVars.put(var, p.toString());
        return this;
    }

    Path inventory() {
        Map<String, Object> inventory = Map.of("all", Map.of("children", Map.of("nucleus",
                Map.of("hosts", Map.of("nucleus-test", hostVars)))));
        Path p = dir.resolve("inventory.yaml");
        try {
            write(p, JSON.writeValueAsString(inventory));   // JSON is YAML
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    Cli cli() {
        return Cli.in(dir).withEnv("NUCLEUS_TOKEN", token).withTimeout(Duration.ofSeconds(90));
    }

    /** {@code runbook run NAME -i INVENTORY ARGS...}, stdin at end of file (no terminal). */
    Cli.Result run(String name, String... args) {
        return cli().run(runArgs(name, args));
    }

    String[] runArgs(String name, String... args) {
        String[] all = new String[4 + args.length];
        all[0] = "run";
        all[1] = runbook(name);
        all[2] = "-i";
        all[3] = inventory().toString();
        System.arraycopy(args, 0, all, 4, args.length);
        return all;
    }

    String auditText() {
        Path audit = cli().auditFile();
        try {
            return Files.exists(audit) ? Files.readString(audit) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, String content) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The guide's nucleus-config.yaml, websocket section as given. */
    static String nucleusConfig(boolean enabled, int port, int heartbeatInterval) {
        return """
                server:
                  port: 8080
                websocket:
                  enabled: %s
                  port: %d   # sync
                  heartbeat_interval: %d
                  max_connections: 1000
                """.formatted(enabled, port, heartbeatInterval);
    }

    /** The guide's nginx location for /ws/, with or without the upgrade headers. */
    static String nginxSite(boolean upgrade) {
        String headers = upgrade
                ? "        proxy_http_version 1.1;\n        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection \"upgrade\";\n"
                : "        # proxy_set_header Upgrade $http_upgrade;\n";
        return "upstream nucleus_backend { server 127.0.0.1:8081; }\n"
                + "server {\n"
                + "    listen 443 ssl;\n"
                + "    location /ws/ {\n"
                + "        proxy_pass http://nucleus_backend;\n"
                + headers
                + "        proxy_set_header Host $host;\n"
                + "        proxy_read_timeout 86400s;  # 24h\n"
                + "    }\n"
                + "}\n";
    }
}
