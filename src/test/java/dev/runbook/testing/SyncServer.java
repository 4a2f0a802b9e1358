package dev.runbook.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The content server's {@code /ws/sync} endpoint: a WebSocket server (RFC 6455 handshake and
 * framing on a raw socket, after {@link WsServer}) on a loopback port of its own, as the guide's
 * 8081. The upgrade wants {@code Authorization: Bearer TOKEN} (else 401) and the path
 * {@code /ws/sync} (else 404). What it does once upgraded is its {@link Mode}, switchable at any
 * time.
 */
public final class SyncServer implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** The failure modes of the guide's sync diagnosis, and health. */
    public enum Mode {
        /** Welcome on open, a pong for each ping, a heartbeat every {@link #heartbeatEvery}. */
        HEALTHY,
        /** Not listening: connections are refused. */
        REFUSED,
        /** Accepts the TCP connection, reads the upgrade request, never answers it. */
        HANG,
        /** Upgrades, then never sends a thing. */
        SILENT,
        /** Upgrades, sends a welcome, pongs and updates, but never a heartbeat. */
        NO_HEARTBEAT
    }

    private final String token;
    private final int port;
    private volatile ServerSocket server;
    private volatile Mode mode = Mode.HEALTHY;
    private volatile long heartbeatMs = 300;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** The upgrade requests' headers (lower-case names; ":request" is the request line). */
    public final List<Map<String, String>> handshakes = new CopyOnWriteArrayList<>();
    /** Text messages received from clients. */
    public final List<String> received = new CopyOnWriteArrayList<>();

    SyncServer(String token) throws IOException {
        this.token = token;
        this.server = listen(0);
        this.port = server.getLocalPort();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "ws://127.0.0.1:" + port + "/ws/sync";
    }

    /** Switches the mode; REFUSED closes the listening socket, any other mode listens again on the same port. */
    public synchronized SyncServer mode(Mode m) throws IOException {
        this.mode = m;
        if (m == Mode.REFUSED) {
            closeQuietly(server);
            for (Socket s : sockets) {
                closeQuietly(s);
            }
        } else if (server.isClosed()) {
            server = listen(port);
        }
        return this;
    }

    public SyncServer heartbeatEvery(long ms) {
        this.heartbeatMs = ms;
        return this;
    }

    private ServerSocket listen(int p) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 50);
        daemon(() -> acceptLoop(s), "sync-accept");
        return s;
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket c = s.accept();
                sockets.add(c);
                daemon(() -> serve(c), "sync-conn");
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            Map<String, String> headers = readHeaders(in);
            handshakes.add(headers);
            Mode m = mode;
            if (m == Mode.HANG) {
                in.transferTo(OutputStream.nullOutputStream());
                return;
            }
            String status = !("Bearer " + token).equals(headers.get("authorization")) ? "401 Unauthorized"
                    : !String.valueOf(headers.get(":request")).startsWith("GET /ws/sync ") ? "404 Not Found" : null;
            if (status != null) {
                out.write(("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                return;
            }
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                    + accept(headers.get("sec-websocket-key")) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Frames frames = new Frames(out);
            if (m == Mode.HEALTHY || m == Mode.NO_HEARTBEAT) {
                frames.send("{\"type\":\"welcome\"}");
                daemon(() -> tick(frames, m, s), "sync-tick");
            }
            readMessages(in, text -> {
                received.add(text);
                if (m != Mode.SILENT && text.contains("\"ping\"")) {
                    frames.send("{\"type\":\"pong\"}");
                }
            });
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Heartbeats when healthy; without heartbeats, other traffic at the same pace. */
    private void tick(Frames frames, Mode m, Socket s) {
        try {
            while (!s.isClosed()) {
                Thread.sleep(heartbeatMs);
                frames.send(m == Mode.HEALTHY ? "{\"type\":\"heartbeat\"}" : "{\"type\":\"update\",\"files\":[]}");
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    private static String accept(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Frames {
        private final OutputStream out;

        Frames(OutputStream out) {
            this.out = out;
        }

        synchronized void send(String text) throws IOException {
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            f.write(0x81);
            if (payload.length < 126) {
                f.write(payload.length);
            } else {
                f.write(126);
                f.write(payload.length >> 8);
                f.write(payload.length & 0xff);
            }
            f.write(payload);
            out.write(f.toByteArray());
            out.flush();
        }
    }

    private interface TextHandler {
        void accept(String text) throws IOException;
    }

    private static void readMessages(InputStream in, TextHandler onText) throws IOException {
        while (true) {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0) {
                return;
            }
            long len = b1 & 0x7f;
            if (len == 126) {
                len = (in.read() << 8) | in.read();
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | in.read();
                }
            }
            byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : new byte[4];
            byte[] payload = in.readNBytes((int) len);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
            int opcode = b0 & 0x0f;
            if (opcode == 8) {
                return;
            }
            if (opcode == 1) {
                onText.accept(new String(payload, StandardCharsets.UTF_8));
            }
        }
    }

    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        StringBuilder line = new StringBuilder();
        boolean first = true;
        int c;
        while ((c = in.read()) >= 0) {
            if (c != '\n') {
                line.append((char) c);
                continue;
            }
            String l = line.toString().strip();
            line.setLength(0);
            if (l.isEmpty()) {
                break;
            }
            if (first) {
                headers.put(":request", l);
                first = false;
            } else if (l.contains(":")) {
                headers.put(l.substring(0, l.indexOf(':')).strip().toLowerCase(Locale.ROOT), l.substring(l.indexOf(':') + 1).strip());
            }
        }
        return headers;
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
