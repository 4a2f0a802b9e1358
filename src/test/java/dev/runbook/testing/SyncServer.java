package dev.runbook.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
            Map<String, String> headers = WsServer.readHeaders(in);
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
                    + WsServer.acceptKey(headers.get("sec-websocket-key")) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Frames frames = new Frames(out);
            if (m == Mode.HEALTHY || m == Mode.NO_HEARTBEAT) {
                frames.send("{\"type\":\"welcome\"}");
                daemon(() -> tick(frames, m, s), "sync-tick");
            }
            WsServer.readFrames(in, (opcode, text) -> {
                if (opcode != 1) {
                    return;
                }
                received.add(text);
                if (m != Mode.SILENT && text.contains("\"ping\"")) {
                    try {
                        frames.send("{\"type\":\"pong\"}");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
        } catch (IOException | UncheckedIOException e) {
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
