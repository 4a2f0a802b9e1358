package dev.runbook.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Executors;

/**
 * Stand-ins for the stack's services that a test environment does not have, each run as a process
 * of its own ({@code java -cp TEST_CLASSES dev.runbook.testing.StandInService KIND ...}) so that a
 * test can kill it and a runbook can start it again, as it would a real service:
 * <ul>
 *   <li>{@code content PORT DB_PORT REDIS_PORT}: the content server, with {@code /health} (200 only
 *       while PostgreSQL and Redis accept connections: the dependency that makes restart order
 *       matter, else 503 naming the missing one) and {@code /api/v1/status}</li>
 *   <li>{@code redis PORT}: answers {@code PING} with {@code +PONG}, inline or as RESP, as
 *       {@code redis-cli ping} expects (redis-server is not installed here)</li>
 * </ul>
 */
public final class StandInService {
    private static final String LOOPBACK = "127.0.0.1";

    private StandInService() {}

    public static void main(String[] args) throws IOException {
        switch (args[0]) {
            case "content" -> content(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "redis" -> redis(Integer.parseInt(args[1]));
            default -> throw new IllegalArgumentException("unknown stand-in " + args[0]);
        }
    }

    /** The shell command line that starts a stand-in in the background and writes its pid to {@code pidFile}. */
    public static String startCommand(Path pidFile, Path log, String... args) {
        StringBuilder cmd = new StringBuilder();
        cmd.append(Cli.shellQuote(Path.of(System.getProperty("java.home"), "bin", "java").toString()))
                .append(" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -cp ").append(Cli.shellQuote(classes()))
                .append(' ').append(StandInService.class.getName());
        for (String a : args) {
            cmd.append(' ').append(Cli.shellQuote(a));
        }
        cmd.append(" >>").append(Cli.shellQuote(log.toString())).append(" 2>&1 & echo $! >").append(Cli.shellQuote(pidFile.toString()));
        return cmd.toString();
    }

    private static String classes() {
        try {
            return Path.of(StandInService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void content(int port, int dbPort, int redisPort) throws IOException {
        Instant started = Instant.now();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port), 50);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/health", ex -> {
            String missing = !accepts(dbPort) ? "postgresql" : !accepts(redisPort) ? "redis" : null;
            respond(ex, missing == null ? 200 : 503, missing == null ? "{\"status\":\"ok\"}"
                    : "{\"status\":\"unhealthy\",\"reason\":\"" + missing + " is not reachable\"}");
        });
        server.createContext("/api/v1/status", ex -> respond(ex, 200, "{\"status\":\"ok\",\"service\":\"nucleus-stand-in\","
                + "\"uptime_s\":" + (Instant.now().getEpochSecond() - started.getEpochSecond())
                + ",\"pid\":" + ProcessHandle.current().pid() + "}"));
        server.start();
        System.out.println("content stand-in on " + LOOPBACK + ":" + port + " (pid " + ProcessHandle.current().pid() + ")");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void redis(int port) throws IOException {
        ServerSocket server = new ServerSocket(port, 50, InetAddress.getByName(LOOPBACK));
        System.out.println("redis stand-in on " + LOOPBACK + ":" + port + " (pid " + ProcessHandle.current().pid() + ")");
        var pool = Executors.newCachedThreadPool();
        while (true) {
            Socket client = server.accept();
            pool.execute(() -> serve(client));
        }
    }

    /** Inline commands and RESP arrays alike: the line that names the command is what is answered. */
    private static void serve(Socket client) {
        try (client; BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = client.getOutputStream()) {
            String line;
            while ((line = in.readLine()) != null) {
                String word = line.strip();
                if (word.isEmpty() || word.startsWith("*") || word.startsWith("$")) {
                    continue;
                }
                if (word.equalsIgnoreCase("PING")) {
                    out.write("+PONG\r\n".getBytes(StandardCharsets.US_ASCII));
                } else if (word.equalsIgnoreCase("QUIT")) {
                    out.write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
                    return;
                } else {
                    out.write("-ERR unknown command\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
