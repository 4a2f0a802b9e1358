package dev.runbook.schedule;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /health} and {@code /metrics}. Health is 200 only while the daemon fires its schedules;
 * 503 while it starts, stops, stands by in its cluster, or cannot reach its store, with the reason.
 */
final class DaemonHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;

    private DaemonHttp(HttpServer server) {
        this.server = server;
    }

    static DaemonHttp start(InetSocketAddress listen, Daemon daemon) throws IOException {
        HttpServer s = HttpServer.create(listen, 16);
        s.createContext("/health", ex -> health(ex, daemon));
        s.createContext("/metrics", ex -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            daemon.metrics().write(out);
            respond(ex, 200, DaemonMetrics.contentType(), out.toByteArray());
        });
        s.start();
        return new DaemonHttp(s);
    }

    int port() {
        return server.getAddress().getPort();
    }

    void stop() {
        server.stop(0);
    }

    private static void health(HttpExchange ex, Daemon daemon) throws IOException {
        Daemon.Status status = daemon.status();
        Daemon.Settings s = daemon.settings();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status.name().toLowerCase(Locale.ROOT));
        body.put("node", s.node());
        if (s.jdbc() != null) {
            body.put("cluster", s.cluster());
        }
        body.put("schedules", daemon.configuredCount());
        body.put("running", daemon.runningCount());
        body.put("store", s.jdbc() == null ? "memory" : "postgresql");
        if (daemon.reason() != null) {
            body.put("reason", daemon.reason());
        }
        respond(ex, status == Daemon.Status.OK ? 200 : 503, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void respond(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
    }
}
