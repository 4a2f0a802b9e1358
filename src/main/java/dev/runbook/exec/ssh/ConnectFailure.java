package dev.runbook.exec.ssh;

import com.jcraft.jsch.JSchRevokedHostKeyException;
import dev.runbook.exec.UnreachableException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;

/** Turns what JSch throws while connecting into one line a user can act on. */
final class ConnectFailure {
    private ConnectFailure() {}

    /**
     * @param e             what connect threw
     * @param ep            where we tried to go
     * @param hostKeys      the verifier used, which knows when it refused the host key
     * @param keys          the keys offered, for an authentication failure
     * @param serverSpoke   whether the server sent its SSH version line
     * @param watchdogFired whether our own deadline cut the handshake short
     */
    static UnreachableException describe(Exception e, Endpoint ep, HostKeyVerifier hostKeys, KeyRing.Keys keys,
                                         boolean serverSpoke, boolean watchdogFired) {
        if (hostKeys != null && hostKeys.rejection() != null) {
            return hostKeys.rejection();
        }
        if (hostKeys != null && has(e, JSchRevokedHostKeyException.class)) {
            return hostKeys.revokedCertificate(find(e, JSchRevokedHostKeyException.class));
        }
        String where = ep.host() + ":" + ep.port();
        long seconds = Math.max(1, Math.round(ep.connectTimeoutMs() / 1000.0));
        String timeout = ep.connectTimeoutMs() % 1000 == 0 ? seconds + " s" : ep.connectTimeoutMs() + " ms";
        String msg = chainText(e);
        if (watchdogFired) {
            return new UnreachableException("connection to " + where + " timed out after " + timeout
                    + (serverSpoke ? " during the SSH handshake" : ""), e);
        }
        if (has(e, ConnectException.class)) {
            return new UnreachableException("connection to " + where + " refused", e);
        }
        if (has(e, UnknownHostException.class)) {
            return new UnreachableException("cannot resolve host name " + ep.host(), e);
        }
        if (has(e, NoRouteToHostException.class)) {
            return new UnreachableException("no route to " + where, e);
        }
        if (msg.contains("socket is not established")) {
            return new UnreachableException("connection to " + where + " timed out after " + timeout, e);
        }
        if (has(e, SocketTimeoutException.class)) {
            return new UnreachableException(serverSpoke
                    ? "SSH handshake with " + where + " timed out after " + timeout
                    : where + " accepted the connection but sent no SSH greeting within " + timeout, e);
        }
        if (msg.startsWith("Auth fail") || msg.startsWith("Auth cancel")) {
            return new UnreachableException("authentication failed for " + ep.display() + " (" + keys.describe() + ")", e);
        }
        if (msg.contains("jump host")) {
            return new UnreachableException(firstLine(causeText(e, "jump host")), e);
        }
        if (msg.contains("closed by foreign host") || msg.contains("Connection reset")) {
            return new UnreachableException(where + " closed the connection during the SSH handshake"
                    + (serverSpoke ? "" : " (is it an SSH server? sshd MaxStartups or AllowUsers may refuse us)"), e);
        }
        if (msg.contains("invalid server's version string")) {
            return new UnreachableException(where + " does not speak SSH", e);
        }
        if (msg.toLowerCase(Locale.ROOT).contains("algorithm negotiation fail")) {
            return new UnreachableException("no algorithm in common with " + where + ": " + firstLine(msg), e);
        }
        return new UnreachableException("cannot connect to " + where + ": " + firstLine(msg), e);
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        return find(e, type) != null;
    }

    private static String chainText(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()).append(" / ");
        }
        return b.toString();
    }

    private static String causeText(Throwable e, String containing) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(containing)) {
                String m = t.getMessage();
                return m.startsWith("Session.connect: ") ? m.substring("Session.connect: ".length()) : m;
            }
        }
        return chainText(e);
    }

    private static String firstLine(String s) {
        String t = s.endsWith(" / ") ? s.substring(0, s.length() - 3) : s;
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
