package dev.runbook.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * A real WebSocket server (RFC 6455 handshake and framing) on loopback for tests: each accepted
 * connection's request headers are recorded, and a behaviour decides what it sends back.
 */
public final class WsServer implements AutoCloseable {

    /** What the server does on a connection; {@code send} writes a text frame, {@code received} the client's messages. */
    public interface Behaviour {
        void onOpen(Connection c) throws IOException;

        default void onMessage(Connection c, String message) throws IOException { }
    }

    /** One client connection. */
    public static final class Connection {
        private final OutputStream out;
        public final Map<String, String> headers;

        Connection(OutputStream out, Map<String, String> headers) {
            this.out = out;
            this.headers = headers;
        }

        public synchronized void send(String text) throws IOException {
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x81);
            if (payload.length < 126) {
                frame.write(payload.length);
            } else {
                frame.write(126);
                frame.write(payload.length >> 8);
                frame.write(payload.length & 0xff);
            }
            frame.write(payload);
            out.write(frame.toByteArray());
            out.flush();
        }
    }

    private final ServerSocket server;
    private final Behaviour behaviour;
    private final int rejectStatus;
    public final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    public final List<String> received = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** @param rejectStatus 0 to accept upgrades, else the HTTP status to refuse them with */
    public WsServer(Behaviour behaviour, int rejectStatus) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.behaviour = behaviour;
        this.rejectStatus = rejectStatus;
        Thread t = new Thread(this::acceptLoop, "ws-server");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public String url(String path) {
        return "ws://127.0.0.1:" + port() + path;
    }

    /** Answers pings with a pong, then sends a heartbeat every {@code everyMs}. */
    public static Behaviour heartbeat(long everyMs) {
        return new Behaviour() {
            @Override
            public void onOpen(Connection c) throws IOException {
                c.send("{\"type\":\"welcome\"}");
                Thread t = new Thread(() -> {
                    try {
                        while (true) {
                            Thread.sleep(everyMs);
                            c.send("{\"type\":\"heartbeat\"}");
                        }
                    } catch (IOException | InterruptedException e) {
                        // client gone
                    }
                });
                t.setDaemon(true);
                t.start();
            }

            @Override
            public void onMessage(Connection c, String message) throws IOException {
                if (message.contains("ping")) {
                    c.send("{\"type\":\"pong\"}");
                }
            }
        };
    }

    /** Accepts and then says nothing at all. */
    public static Behaviour silent() {
        return c -> { };
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "ws-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            Map<String, String> headers = readHeaders(in);
            requests.add(headers);
            if (rejectStatus != 0) {
                out.write(("HTTP/1.1 " + rejectStatus + " Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                return;
            }
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                    + acceptKey(headers.get("sec-websocket-key")) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Connection c = new Connection(out, headers);
            behaviour.onOpen(c);
            readFrames(in, (opcode, text) -> {
                if (opcode == 1) {
                    received.add(text);
                    try {
                        behaviour.onMessage(c, text);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
        } catch (Exception e) {
            // the client went away; nothing to report
        }
    }

    /** The Sec-WebSocket-Accept answer to a client's key (RFC 6455, 4.2.2). */
    static String acceptKey(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request line (as {@code :request}) and the headers, names in lower case. */
    static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        StringBuilder line = new StringBuilder();
        int c;
        boolean first = true;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
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
            } else {
                line.append((char) c);
            }
        }
        return headers;
    }

    /** Unmasked frames to {@code onFrame(opcode, text)} until a close frame or end of stream. */
    static void readFrames(InputStream in, BiConsumer<Integer, String> onFrame) throws IOException {
        while (true) {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0) {
                return;
            }
            int opcode = b0 & 0x0f;
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
            if (opcode == 8) {
                return;
            }
            onFrame.accept(opcode, new String(payload, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
