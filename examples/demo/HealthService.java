import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The built-in example's service: a small content service with /health and /api/v1/status, as the
 * operations guide's Nucleus server has. It is healthy only while its state file holds a valid
 * document; a corrupt or missing state makes /health answer 503 with the reason.
 *
 * Run: java HealthService.java PORT DATA_DIR
 */
public final class HealthService {
    private static final Instant STARTED = Instant.now();

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        Path data = Path.of(args[1]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        server.createContext("/health", ex -> {
            String problem = problem(data);
            respond(ex, problem == null ? 200 : 503, problem == null ? "{\"status\":\"ok\"}"
                    : "{\"status\":\"unhealthy\",\"reason\":\"" + problem + "\"}");
        });
        server.createContext("/api/v1/status", ex -> {
            String problem = problem(data);
            long up = Duration.between(STARTED, Instant.now()).toSeconds();
            respond(ex, 200, "{\"status\":\"" + (problem == null ? "ok" : "degraded") + "\",\"service\":\"demo-nucleus\","
                    + "\"version\":\"1.4.2\",\"uptime_s\":" + up + ",\"pid\":" + ProcessHandle.current().pid() + "}");
        });
        server.start();
        System.out.println("demo service listening on 127.0.0.1:" + port + ", data in " + data);
    }

    /** Null when the state file is a valid document, else why not. */
    static String problem(Path data) {
        Path state = data.resolve("state.json");
        try {
            String s = Files.readString(state, StandardCharsets.UTF_8).strip();
            if (!s.startsWith("{") || !s.endsWith("}") || !s.contains("\"assets\"")) {
                return "state.json is corrupt";
            }
            return null;
        } catch (IOException e) {
            return "state.json is missing";
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
}
