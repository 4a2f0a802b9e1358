package dev.runbook.exec.ssh;

import com.jcraft.jsch.ChannelDirectTCPIP;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Proxy;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * ProxyJump without an external {@code ssh}: the target's SSH connection runs inside a
 * direct-tcpip channel of the jump host's session (what {@code ssh -J} does with {@code -W}).
 * Many targets behind one bastion share its session; each gets a channel.
 */
final class JumpTunnel implements Proxy {
    private final Session jump;
    private final String jumpName;
    private ChannelDirectTCPIP channel;
    private TimedInput in;
    private OutputStream out;

    JumpTunnel(Session jump, String jumpName) {
        this.jump = jump;
        this.jumpName = jumpName;
    }

    @Override
    public void connect(SocketFactory ignored, String host, int port, int timeout) throws Exception {
        ChannelDirectTCPIP ch = (ChannelDirectTCPIP) jump.openChannel("direct-tcpip");
        ch.setHost(host);
        ch.setPort(port);
        in = new TimedInput(ch.getInputStream(), "jump-tunnel-in");
        out = ch.getOutputStream();
        try {
            ch.connect(timeout);
        } catch (JSchException e) {
            throw new IOException("jump host " + jumpName + " would not open a connection to " + host + ":" + port
                    + " (refused there, or forwarding is disabled on it)", e);
        }
        if (!ch.isConnected()) {
            throw new IOException("jump host " + jumpName + " would not open a connection to " + host + ":" + port);
        }
        channel = ch;
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    /** Once the session is up, reads that wait longer than this let JSch send keepalives to the target (see {@link TimedInput}). */
    void keepaliveEvery(int millis) {
        if (in != null) {
            in.timeout(millis);
        }
    }

    /** None: the connection is a channel. Keepalives of the jump session cover the path to the bastion. */
    @Override
    public Socket getSocket() {
        return null;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.disconnect();
        }
    }
}
