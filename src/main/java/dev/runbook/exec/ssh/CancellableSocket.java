package dev.runbook.exec.ssh;

import com.jcraft.jsch.SocketFactory;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import jdk.net.ExtendedSocketOptions;

/**
 * The TCP socket of one direct SSH connection, closable from another thread at any moment of the
 * handshake. JSch's own {@code Session.disconnect()} does nothing until the session counts as
 * connected, which leaves a window in which Ctrl-C would otherwise wait for the connect timeout;
 * closing the socket itself has no such window: {@link #close} before the connect begins makes it fail
 * at once. Not reusable: one instance per connection attempt.
 *
 * <p>Its reads also acknowledge at once what they received (Linux's {@code TCP_QUICKACK}). sshd does
 * not disable Nagle's algorithm for non-interactive sessions, so after login it holds the answer to
 * our first channel open until the small packets it sent just before are acknowledged, and a client
 * that delays its acknowledgements (40 ms on Linux) stalls every host's first step by that much.
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
        return new QuickAck(s);
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

    /** The socket's input, asking the kernel after each read to acknowledge without delay (where it can). */
    private static final class QuickAck extends FilterInputStream {
        private final Socket socket;
        private boolean supported;

        QuickAck(Socket socket) throws IOException {
            super(socket.getInputStream());
            this.socket = socket;
            this.supported = socket.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            acknowledge();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            acknowledge();
            return n;
        }

        // the kernel leaves quick-ack mode again on its own, so it is asked again after every read
        private void acknowledge() {
            if (supported) {
                try {
                    socket.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
                } catch (IOException | UnsupportedOperationException e) {
                    supported = false; // closed meanwhile, or refused: reading goes on without it
                }
            }
        }
    }
}
