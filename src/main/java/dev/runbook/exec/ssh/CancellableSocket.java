package dev.runbook.exec.ssh;

import com.jcraft.jsch.SocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The TCP socket of one direct SSH connection, closable from another thread at any moment of the
 * handshake. JSch's own {@code Session.disconnect()} does nothing until the session counts as
 * connected, which leaves a window in which Ctrl-C would otherwise wait for the connect timeout;
 * closing the socket itself has no such window: {@link #close} before the connect begins makes it fail
 * at once. Not reusable: one instance per connection attempt.
 */
final class CancellableSocket implements SocketFactory {
    private final int connectTimeoutMs;
    private volatile Socket socket;
    private volatile boolean closed;

    CancellableSocket(int connectTimeoutMs) {
        this.connectTimeoutMs = connectTimeoutMs;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = new Socket();
        socket = s;
        // socket is written before closed is read, and close() sets closed before reading socket: one sees the other
        if (closed) {
            s.close();
            throw new IOException("interrupted before connecting");
        }
        try {
            s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
        } catch (SocketTimeoutException e) {
            s.close();
            // the wording JSch uses for its own connect timeout, which ConnectFailure reports as one
            throw new IOException("timeout: socket is not established", e);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    @Override
    public InputStream getInputStream(Socket s) throws IOException {
        return s.getInputStream();
    }

    @Override
    public OutputStream getOutputStream(Socket s) throws IOException {
        return s.getOutputStream();
    }

    /** Closes the socket, whether it is still connecting, handshaking or not yet made; safe from any thread. */
    void close() {
        closed = true;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing is all that was wanted
            }
        }
    }
}
