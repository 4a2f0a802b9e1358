package dev.runbook.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port whose TCP connects go unanswered, like a host behind a black-holing firewall: a
 * listener that never accepts, its backlog filled, so the kernel drops further SYNs and a connect
 * waits until its own timeout.
 */
public final class UnansweredPort implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> queued = new ArrayList<>();

    public UnansweredPort() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        try {
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(listener.getLocalSocketAddress(), 300);
                    queued.add(s);
                } catch (SocketTimeoutException e) {
                    s.close();
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        close();
        throw new IllegalStateException("the backlog of a listener on 127.0.0.1 never filled");
    }

    public int port() {
        return listener.getLocalPort();
    }

    @Override
    public void close() {
        for (Socket s : queued) {
            try {
                s.close();
            } catch (IOException e) {
                // closing is all that was wanted
            }
        }
        try {
            listener.close();
        } catch (IOException e) {
            // likewise
        }
    }
}
