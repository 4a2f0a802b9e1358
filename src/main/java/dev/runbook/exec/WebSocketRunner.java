package dev.runbook.exec;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Probes a WebSocket (RFC 6455) over a plain or TLS socket: handshake, send, then collect text
 * messages until the awaited one arrives or the deadline passes. One deadline bounds everything,
 * so a server that accepts and never answers cannot hold the run. (The JDK's own client was tried
 * first: it intermittently hung in the handshake when a server sent a frame right after its 101.)
 */
public final class WebSocketRunner {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_MESSAGES = 1000;
    private static final int MAX_FRAME = 16 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    public WebSocketResult probe(WebSocketSpec spec, Cancellation cancel) {
        long start = System.nanoTime();
        long deadline = start + spec.timeout().toNanos();
        URI uri;
        try {
            uri = URI.create(spec.url());
            if (uri.getHost() == null || !(uri.getScheme().equals("ws") || uri.getScheme().equals("wss"))) {
                return failed("not a ws:// or wss:// URL: " + spec.url(), start);
            }
            if (HttpRunner.badPort(uri) != null) {
                return failed(HttpRunner.badPort(uri), start);
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            return failed("not a ws:// or wss:// URL: " + spec.url(), start);
        }
        boolean tls = uri.getScheme().equals("wss");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        String where = uri.getHost() + ":" + port;
        Socket socket = null;
        boolean connected = false;
        try {
            socket = connect(uri.getHost(), port, tls, spec, deadline);
            connected = true;
            Socket s = socket;
            try (Cancellation.Registration c = cancel.onCancel(() -> closeQuietly(s))) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                String refusal = handshake(uri, spec, in, out, socket, deadline);
                if (refusal != null) {
                    return failed(refusal, start);
                }
                long opened = System.nanoTime();
                for (String m : spec.send()) {
                    writeFrame(out, 0x1, m.getBytes(StandardCharsets.UTF_8));
                }
                return collect(spec, socket, in, out, deadline, start, opened, cancel);
            }
        } catch (SocketTimeoutException e) {
            return failed(cancel.isCancelled() ? "interrupted" : connected
                    ? "connected to " + where + ", but no WebSocket handshake within " + spec.timeout().toMillis() + " ms"
                    : "no connection to " + where + " within " + spec.timeout().toMillis() + " ms", start);
        } catch (java.net.ConnectException e) {
            return failed("connection to " + where + " refused", start);
        } catch (java.net.UnknownHostException e) {
            return failed("cannot resolve " + uri.getHost(), start);
        } catch (javax.net.ssl.SSLException e) {
            return failed("TLS handshake with " + where + " failed: " + e.getMessage(), start);
        } catch (Exception e) {
            return failed(cancel.isCancelled() ? "interrupted" : where + ": " + e.getMessage(), start);
        } finally {
            closeQuietly(socket);
        }
    }

    private static Socket connect(String host, int port, boolean tls, WebSocketSpec spec, long deadline) throws Exception {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(host, port), timeoutLeft(deadline));
        if (!tls) {
            return plain;
        }
        SSLContext ctx = !spec.verifyTls() ? TrustAll.context()
                : spec.caFile() != null ? HttpRunner.contextFor(spec.caFile()) : SSLContext.getDefault();
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, port, true);
        if (spec.verifyTls()) {
            SSLParameters p = ssl.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(p);
        }
        ssl.setSoTimeout(timeoutLeft(deadline));
        ssl.startHandshake();
        return ssl;
    }

    /** Null when upgraded; else why the server refused. */
    private static String handshake(URI uri, WebSocketSpec spec, InputStream in, OutputStream out, Socket socket, long deadline)
            throws Exception {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(uri.getPort() > 0 ? ":" + uri.getPort() : "").append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\nSec-WebSocket-Version: 13\r\n");
        for (Map.Entry<String, String> h : spec.headers().entrySet()) {
            req.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        out.write(req.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        socket.setSoTimeout(timeoutLeft(deadline));
        String status = readLine(in);
        String accept = null;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals("sec-websocket-accept")) {
                accept = line.substring(colon + 1).strip();
            }
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[1].equals("101")) {
            return "handshake refused: HTTP " + (parts.length > 1 ? parts[1] : "?") + (parts.length > 2 ? " " + parts[2] : "");
        }
        String expected = Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        if (!expected.equals(accept)) {
            return "handshake refused: the server's Sec-WebSocket-Accept does not match";
        }
        return null;
    }

    private static WebSocketResult collect(WebSocketSpec spec, Socket socket, InputStream in, OutputStream out, long deadline,
                                           long start, long opened, Cancellation cancel) throws IOException {
        List<String> messages = new ArrayList<>();
        long first = -1;
        String matched = null;
        Integer closeCode = null;
        String error = null;
        ByteArrayOutputStream fragments = new ByteArrayOutputStream();
        while (matched == null && !cancel.isCancelled()) {
            int left = millisLeft(deadline);
            if (left <= 0) {
                break;
            }
            socket.setSoTimeout(left);
            Frame f;
            try {
                f = readFrame(in);
            } catch (SocketTimeoutException e) {
                break;
            } catch (EOFException e) {
                error = "the server closed the connection";
                break;
            } catch (IOException e) {
                error = cancel.isCancelled() ? "interrupted" : e.getMessage();
                break;
            }
            switch (f.opcode) {
                case 0x8 -> {
                    closeCode = f.payload.length >= 2 ? ((f.payload[0] & 0xff) << 8) | (f.payload[1] & 0xff) : 1005;
                    writeFrame(out, 0x8, f.payload.length >= 2 ? new byte[] {f.payload[0], f.payload[1]} : new byte[0]);
                }
                case 0x9 -> writeFrame(out, 0xA, f.payload);
                case 0x1, 0x0, 0x2 -> {
                    fragments.write(f.payload);
                    if (f.fin) {
                        String m = fragments.toString(StandardCharsets.UTF_8);
                        fragments.reset();
                        if (first < 0) {
                            first = (System.nanoTime() - opened) / 1_000_000;
                        }
                        if (messages.size() < MAX_MESSAGES) {
                            messages.add(m);
                        }
                        if (spec.matches().test(m)) {
                            matched = m;
                        }
                    }
                }
                default -> { }
            }
            if (closeCode != null) {
                break;
            }
        }
        if (closeCode == null) {
            try {
                writeFrame(out, 0x8, new byte[] {0x03, (byte) 0xE8});
            } catch (IOException e) {
                // closing politely is best effort
            }
        }
        return new WebSocketResult(true, cancel.isCancelled() ? "interrupted" : error, messages, first, matched != null,
                matched, (System.nanoTime() - start) / 1_000_000, closeCode);
    }

    private record Frame(boolean fin, int opcode, byte[] payload) {}

    private static Frame readFrame(InputStream in) throws IOException {
        int b0 = readByte(in);
        int b1 = readByte(in);
        long len = b1 & 0x7f;
        if (len == 126) {
            len = ((long) readByte(in) << 8) | readByte(in);
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | readByte(in);
            }
        }
        if (len > MAX_FRAME) {
            throw new IOException("a frame of " + len + " bytes is larger than the limit");
        }
        byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
        byte[] payload = in.readNBytes((int) len);
        if (payload.length < len) {
            throw new EOFException();
        }
        if (mask != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x0f, payload);
    }

    /** Client frames are always masked (RFC 6455 5.3). */
    private static synchronized void writeFrame(OutputStream out, int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write(0x80 | opcode);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >> 8);
            f.write(payload.length & 0xff);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >> (8 * i)) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        f.write(mask);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i % 4]);
        }
        out.write(f.toByteArray());
        out.flush();
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = readByte(in);
            if (c == '\n') {
                return b.toString().strip();
            }
            if (b.length() > 8192) {
                throw new IOException("the handshake response is not HTTP");
            }
            b.append((char) c);
        }
    }

    private static int readByte(InputStream in) throws IOException {
        int c = in.read();
        if (c < 0) {
            throw new EOFException();
        }
        return c;
    }

    private static int millisLeft(long deadline) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, left));
    }

    /** A socket timeout for what is left; never 0, which sockets read as "forever". */
    private static int timeoutLeft(long deadline) {
        return Math.max(1, millisLeft(deadline));
    }

    private static WebSocketResult failed(String error, long start) {
        return new WebSocketResult(false, error, List.of(), -1, false, null, (System.nanoTime() - start) / 1_000_000, null);
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
