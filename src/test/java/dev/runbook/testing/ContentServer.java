package dev.runbook.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the guide's content server ("Nucleus") on loopback, for the tests of the guide's
 * runbooks: a real HTTP server for the API and a real WebSocket server ({@link SyncServer}) for
 * {@code /ws/sync} on a port of its own, as the guide's 8080 and 8081. Every endpoint but
 * {@code /health} wants {@code Authorization: Bearer TOKEN}.
 *
 * <p>Its data are users (with a role), files (with an owner and a project), and per project and
 * user a list of permissions. {@code POST /permissions} <em>replaces</em> the user's permissions on
 * the project: the stricter reading of the guide's "modify permissions", so a runbook that grants
 * must send what the user keeps as well as what it adds.
 *
 * <p>Switches for each failure the guide diagnoses: the API not listening ({@link #stopApi}), the
 * sync socket in any {@link SyncServer.Mode}, a file that answers 403 ({@link #forbid}), anything
 * unknown answers 404, uploads read at a limited rate ({@link #uploadRate}) or refused over a
 * size ({@link #maxUpload}, 413 as nginx's client_max_body_size), grants answered but not stored
 * ({@link #grantsDoNotTake}).
 */
public final class ContentServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern USER = Pattern.compile("/users/([^/]+)");
    private static final Pattern FILE = Pattern.compile("/files/([^/]+)");
    private static final Pattern PERMS = Pattern.compile("/projects/([^/]+)/permissions/([^/]+)");

    private final String token;
    private final HttpServer api;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "content-server");
        t.setDaemon(true);
        return t;
    });
    public final SyncServer sync;

    private final Map<String, String> roles = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> files = new ConcurrentHashMap<>();
    private final Map<String, List<String>> permissions = new ConcurrentHashMap<>();
    private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
    private volatile long uploadBytesPerSecond;
    private volatile long maxUploadBytes;
    private volatile boolean grantsTake = true;

    /** Every request as "METHOD /path", in order; with the Authorization header's value in {@link #authorizations}. */
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public final List<String> authorizations = new CopyOnWriteArrayList<>();
    /** The bodies of POST /permissions as received. */
    public final List<String> grants = new CopyOnWriteArrayList<>();
    /** Sizes of the uploads received (the whole multipart body). */
    public final List<Long> uploads = new CopyOnWriteArrayList<>();

    public ContentServer(String token) throws IOException {
        this.token = token;
        this.api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        api.setExecutor(pool);
        api.createContext("/", this::handle);
        api.start();
        this.sync = new SyncServer(token);
    }

    public String url() {
        return "http://127.0.0.1:" + api.getAddress().getPort();
    }

    public int apiPort() {
        return api.getAddress().getPort();
    }

    // --- data ---

    public ContentServer user(String id, String role) {
        roles.put(id, role);
        return this;
    }

    public ContentServer file(String id, String owner, String project) {
        files.put(id, Map.of("owner", owner, "project_id", project));
        return this;
    }

    public ContentServer permissions(String project, String user, String... perms) {
        permissions.put(project + "/" + user, List.of(perms));
        return this;
    }

    /** The user's permissions on the project as stored; empty when none. */
    public List<String> permissionsOf(String project, String user) {
        return permissions.getOrDefault(project + "/" + user, List.of());
    }

    // --- failure switches ---

    /** The file exists but reading it is forbidden (403). */
    public ContentServer forbid(String fileId) {
        forbidden.add(fileId);
        return this;
    }

    /** Reads uploads at most this fast; 0 for as fast as they come. */
    public ContentServer uploadRate(long bytesPerSecond) {
        this.uploadBytesPerSecond = bytesPerSecond;
        return this;
    }

    /** Refuses uploads larger than this with 413; 0 for no limit. */
    public ContentServer maxUpload(long bytes) {
        this.maxUploadBytes = bytes;
        return this;
    }

    /** Answers POST /permissions with 201 as usual but stores nothing: a grant that does not take. */
    public ContentServer grantsDoNotTake() {
        this.grantsTake = false;
        return this;
    }

    /** Stops the HTTP API: connections to its port are refused from now on. */
    public void stopApi() {
        api.stop(0);
    }

    // --- HTTP ---

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            requests.add(method + " " + path);
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            if (path.equals("/health")) {
                reply(ex, 200, Map.of("status", "ok"));
                return;
            }
            if (!("Bearer " + token).equals(auth)) {
                ex.getRequestBody().readAllBytes();
                reply(ex, 401, Map.of("error", "unauthorized"));
                return;
            }
            route(ex, method, path);
        } catch (RuntimeException e) {
            reply(ex, 500, Map.of("error", String.valueOf(e)));
        }
    }

    private void route(HttpExchange ex, String method, String path) throws IOException {
        Matcher m;
        if (method.equals("GET") && path.equals("/api/v1/status")) {
            reply(ex, 200, Map.of("status", "ok", "version", "stand-in"));
        } else if (method.equals("GET") && (m = USER.matcher(path)).matches()) {
            String role = roles.get(m.group(1));
            reply(ex, role == null ? 404 : 200, role == null ? Map.of("error", "user not found") : Map.of("id", m.group(1), "role", role));
        } else if (method.equals("GET") && (m = FILE.matcher(path)).matches()) {
            file(ex, m.group(1));
        } else if (method.equals("GET") && (m = PERMS.matcher(path)).matches()) {
            List<String> p = permissions.get(m.group(1) + "/" + m.group(2));
            if (p == null) {
                reply(ex, 404, Map.of("error", "no permissions on this project"));
            } else {
                reply(ex, 200, Map.of("user_id", m.group(2), "project_id", m.group(1), "permissions", p));
            }
        } else if (method.equals("POST") && path.equals("/permissions")) {
            grant(ex);
        } else if (method.equals("POST") && path.equals("/api/v1/files/upload")) {
            upload(ex);
        } else {
            ex.getRequestBody().readAllBytes();
            reply(ex, 404, Map.of("error", "not found"));
        }
    }

    private void file(HttpExchange ex, String id) throws IOException {
        Map<String, String> f = files.get(id);
        if (f == null) {
            reply(ex, 404, Map.of("error", "file not found"));
        } else if (forbidden.contains(id)) {
            reply(ex, 403, Map.of("error", "forbidden"));
        } else {
            Map<String, Object> body = new LinkedHashMap<>(f);
            body.put("id", id);
            reply(ex, 200, body);
        }
    }

    private void grant(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        grants.add(body);
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            reply(ex, 400, Map.of("error", "not JSON"));
            return;
        }
        JsonNode perms = n.path("permissions");
        if (!n.path("user_id").isTextual() || !n.path("project_id").isTextual() || !perms.isArray()) {
            reply(ex, 400, Map.of("error", "want user_id, project_id (strings) and permissions (a list)"));
            return;
        }
        String user = n.get("user_id").asText();
        if (!roles.containsKey(user)) {
            reply(ex, 404, Map.of("error", "user not found"));
            return;
        }
        List<String> list = new ArrayList<>();
        perms.forEach(p -> list.add(p.asText()));
        if (grantsTake) {
            permissions.put(n.get("project_id").asText() + "/" + user, List.copyOf(list));
        }
        reply(ex, 201, Map.of("user_id", user, "project_id", n.get("project_id").asText(), "permissions", list));
    }

    private void upload(HttpExchange ex) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        long declared = parseLong(ex.getRequestHeaders().getFirst("Content-Length"));
        if (maxUploadBytes > 0 && declared > maxUploadBytes) {
            // read what was sent before answering, as nginx's lingering close does: closing with
            // unread data resets the connection, and the client may lose the answer
            ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
            reply(ex, 413, Map.of("error", "request entity too large"));
            return;
        }
        long total = 0;
        long start = System.nanoTime();
        byte[] buf = new byte[16 * 1024];
        StringBuilder head = new StringBuilder();
        try (InputStream in = ex.getRequestBody()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (head.length() < 1024) {
                    head.append(new String(buf, 0, Math.min(n, 1024), StandardCharsets.ISO_8859_1));
                }
                total += n;
                throttle(total, start);
            }
        }
        uploads.add(total);
        if (type == null || !type.startsWith("multipart/form-data") || !head.toString().contains("filename=")) {
            reply(ex, 400, Map.of("error", "want a multipart/form-data body with a file"));
            return;
        }
        reply(ex, 200, Map.of("file_id", "upload-" + uploads.size(), "size", total));
    }

    private void throttle(long bytes, long start) {
        long rate = uploadBytesPerSecond;
        if (rate <= 0) {
            return;
        }
        long due = start + bytes * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void reply(HttpExchange ex, int status, Object body) throws IOException {
        byte[] out = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(out);
        }
    }

    @Override
    public void close() {
        api.stop(0);
        sync.close();
        pool.shutdownNow();
    }
}
