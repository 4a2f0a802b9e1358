package dev.runbook.exec.ssh;

import com.jcraft.jsch.Proxy;
import com.jcraft.jsch.SocketFactory;
import dev.runbook.exec.ProcessTree;
import dev.runbook.exec.UnreachableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * ProxyCommand: the SSH connection runs over a command's stdin and stdout ({@code ssh -W %h:%p
 * bastion}, a cloud provider's session tool), started through {@code /bin/sh} in a session of its
 * own, so that closing the connection, the handshake's time limit or Ctrl-C ends it and whatever it
 * started. The end of what it writes to stderr goes into the message when the connection fails.
 * It has no socket of ours, so its output is read through {@link TimedInput}, whose time limit on
 * reads drives JSch's keepalives as a socket's would.
 */
final class CommandProxy implements Proxy {
    private static final int STDERR_TAIL = 2048;
    private static final long GRACE_MILLIS = 1000;
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._:@+=,/-]+");

    private final String command;
    private final StringBuilder stderr = new StringBuilder();
    private Process process;
    private TimedInput input;
    private volatile boolean closed;

    CommandProxy(String command) {
        this.command = command;
    }

    /**
     * The tokens OpenSSH expands in a ProxyCommand: %h the host, %p the port, %r the user, %n the
     * name as given, %% a percent sign. A value that is not plain text (letters, digits and
     * {@code ._:@+=,/-}) goes in as one single-quoted shell word, so that a host name cannot run a
     * command of its own; any other token is refused.
     */
    static String expand(String template, String alias, String host, int port, String user, String what)
            throws UnreachableException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            char t = i + 1 < template.length() ? template.charAt(++i) : ' ';
            switch (t) {
                case '%' -> b.append('%');
                case 'h' -> b.append(word(host));
                case 'n' -> b.append(word(alias));
                case 'p' -> b.append(port);
                case 'r' -> b.append(word(user));
                default -> throw new UnreachableException(what + ": ProxyCommand '" + template + "': %" + (t == ' ' ? "" : t)
                        + " is not a token runbook expands (it knows %h, %p, %r, %n and %%)");
            }
        }
        return b.toString();
    }

    private static String word(String value) {
        return PLAIN.matcher(value).matches() ? value : "'" + value.replace("'", "'\\''") + "'";
    }

    @Override
    public void connect(SocketFactory ignored, String host, int port, int timeout) throws IOException {
        process = new ProcessBuilder(ProcessTree.SETSID, "/bin/sh", "-c", command).start();
        input = new TimedInput(process.getInputStream(), "proxy-command-out");
        Thread drain = new Thread(this::drainStderr, "proxy-command-stderr");
        drain.setDaemon(true);
        drain.start();
    }

    private void drainStderr() {
        byte[] buf = new byte[1024];
        try (InputStream err = process.getErrorStream()) {
            int n;
            while ((n = err.read(buf)) > 0) {
                synchronized (stderr) {
                    stderr.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    if (stderr.length() > 2 * STDERR_TAIL) {
                        stderr.delete(0, stderr.length() - STDERR_TAIL);
                    }
                }
            }
        } catch (IOException e) {
            // the command is gone; what it wrote so far is kept
        }
    }

    /**
     * Whether the command ended of itself (given a moment: its output closes just before it
     * exits), rather than being ended with the connection, by the time limit or by Ctrl-C.
     */
    boolean gaveUp() {
        if (process == null || closed) {
            return false;
        }
        try {
            return process.waitFor(200, TimeUnit.MILLISECONDS) && !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** What the command said and, once it has ended, how; for a failed connection's message. */
    String describe() {
        String said;
        synchronized (stderr) {
            String all = stderr.toString().strip();
            said = all.length() > STDERR_TAIL ? "…" + all.substring(all.length() - STDERR_TAIL) : all;
        }
        String ended = process == null ? " did not start" : process.isAlive() ? "" : " exited " + process.exitValue();
        return "ProxyCommand '" + command + "'" + ended + (said.isEmpty() ? "" : ": " + said.replace('\n', ' '));
    }

    @Override
    public InputStream getInputStream() {
        return input;
    }

    /**
     * Once the session is up: a read that waits longer than the keepalive interval lets JSch send a
     * keepalive, and the session ends after as many unanswered ones as ServerAliveCountMax allows.
     */
    void keepaliveEvery(int millis) {
        if (input != null) {
            input.timeout(millis);
        }
    }

    @Override
    public OutputStream getOutputStream() {
        return process.getOutputStream();
    }

    @Override
    public Socket getSocket() {
        return null;
    }

    @Override
    public void close() {
        closed = true;
        if (process != null) {
            ProcessTree.kill(process, GRACE_MILLIS);
        }
    }
}
