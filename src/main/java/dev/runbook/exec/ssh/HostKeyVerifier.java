package dev.runbook.exec.ssh;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Logger;
import com.jcraft.jsch.UserInfo;
import dev.runbook.exec.HostKeyEvents;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides, for one connection, whether the key a server proved it holds is the one known_hosts
 * lists. JSch runs with {@code StrictHostKeyChecking=yes} and asks us; we remember why we said no,
 * so that the refusal reads as one actionable line rather than JSch's "reject HostKey".
 * With {@code accept-new} an unknown key is recorded and accepted; a changed key never is.
 * <p>A host certificate is checked by JSch against the {@code @cert-authority} and {@code @revoked}
 * keys this repository hands it ({@link #getHostKey()}); one it does not accept falls back, as in
 * OpenSSH, to the plain key it certifies, checked here like any other, and a refusal then says why
 * the certificate was not enough.
 */
final class HostKeyVerifier implements HostKeyRepository {
    private static final String FALLBACK = "Host certificate validation failed";

    private final KnownHosts store;
    private final Endpoint endpoint;
    private final String jumpHost;
    private final HostKeyEvents events;
    private volatile HostKeyRejectedException rejection;
    private volatile String certificateProblem;
    private volatile HostKeyEvents.Accepted accepted;

    /**
     * @param jumpHost the endpoint's display name when it is a jump host on the way to the target, else null
     * @param events   told of a key recorded under {@code accept-new}
     */
    HostKeyVerifier(KnownHosts store, Endpoint endpoint, String jumpHost, HostKeyEvents events) {
        this.store = store;
        this.endpoint = endpoint;
        this.jumpHost = jumpHost;
        this.events = events;
    }

    /**
     * Tells the events of a key recorded during the handshake, once the handshake has ended (in
     * JSch's callback a failure to audit it would read as a refused key).
     */
    void tellAccepted() {
        HostKeyEvents.Accepted a = accepted;
        accepted = null;
        if (a != null) {
            events.accepted(a);
        }
    }

    /** Why the last check refused the host, or null. */
    HostKeyRejectedException rejection() {
        return rejection;
    }

    /** Whether known_hosts lists a certificate authority for this host: only then are host certificates asked for. */
    boolean trustsCertificates() {
        return !store.authorities(endpoint.knownHosts(), endpoint.knownHostsName()).isEmpty();
    }

    /**
     * A host certificate JSch refused outright, without falling back to its plain key: a revoked key
     * or signer. Refused loudly, like a changed key.
     */
    HostKeyRejectedException revokedCertificate(JSchException e) {
        String listed = String.join(", ", store.revoked(endpoint.knownHosts()).stream().map(HostKeyVerifier::where).toList());
        return new HostKeyRejectedException("host certificate of " + endpoint.knownHostsName() + " refused: "
                + oneLine(e.getMessage()) + " (@revoked in " + listed + "); connection refused", true, null);
    }

    /** Hears JSch say why a host certificate was not accepted before it falls back to the plain key. */
    Logger certificateListener() {
        return new Logger() {
            @Override
            public boolean isEnabled(int level) {
                // JSch tells of the fallback at INFO
                return level >= INFO;
            }

            @Override
            public void log(int level, String message) {
                log(level, message, null);
            }

            @Override
            public void log(int level, String message, Throwable cause) {
                if (message != null && message.startsWith(FALLBACK)) {
                    certificateProblem = oneLine(cause != null && cause.getMessage() != null ? cause.getMessage()
                            : message.substring(message.indexOf(':') + 1).strip());
                }
            }
        };
    }

    private String certificateNote() {
        String p = certificateProblem;
        return p == null ? "" : "; its host certificate was not accepted: " + p;
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replaceAll("\\s*\\R\\s*", " ").strip();
    }

    @Override
    public int check(String name, byte[] key) {
        KnownHosts.Verdict v = store.check(endpoint.knownHosts(), name, key);
        String fp = KnownHosts.fingerprint(key);
        String type = KnownHosts.keyType(key);
        switch (v.status()) {
            case OK:
                return OK;
            case REVOKED:
                rejection = new HostKeyRejectedException("host key of " + name + " (" + type + " " + fp
                        + ") is marked @revoked in " + where(v.conflict()) + certificateNote() + "; connection refused",
                        true, fp);
                return CHANGED;
            case CHANGED:
                rejection = new HostKeyRejectedException("HOST KEY CHANGED for " + name + ": it now offers " + type + " "
                        + fp + ", not the key listed in " + where(v.conflict()) + " - possible man-in-the-middle attack;"
                        + " connection refused. If the change is expected, remove the old line (ssh-keygen -R '" + name
                        + "' -f " + v.conflict().file() + ") and accept the new key" + certificateNote(), true, fp);
                return CHANGED;
            default:
                return unknown(name, key, type, fp);
        }
    }

    private int unknown(String name, byte[] key, String type, String fp) {
        if (endpoint.acceptNew()) {
            try {
                store.add(endpoint.knownHostsForNew(), name, key);
                accepted = new HostKeyEvents.Accepted(name, type, fp, endpoint.knownHostsForNew(), jumpHost);
                return OK;
            } catch (IOException e) {
                rejection = new HostKeyRejectedException("host key of " + name + " (" + type + " " + fp
                        + ") is unknown and could not be added to " + endpoint.knownHostsForNew() + ": " + e.getMessage(),
                        false, fp);
                return NOT_INCLUDED;
            }
        }
        String port = endpoint.port() == 22 ? "" : "-p " + endpoint.port() + " ";
        // ssh-keyscan fetches whatever key answers: the fingerprint is what to check with the host's owner
        String add = endpoint.knownHostsForNew().toString().equals("/dev/null")
                ? "list it in a known_hosts file named by " + Endpoints.KNOWN_HOSTS_VAR + " (UserKnownHostsFile is /dev/null)"
                : "add it with 'ssh-keyscan " + port + endpoint.host() + " >> " + endpoint.knownHostsForNew() + "'";
        rejection = new HostKeyRejectedException("host key of " + name + " is unknown (" + type + " " + fp
                + ")" + certificateNote() + "; if that fingerprint is the host's (check it on the host: ssh-keygen -lf"
                + " /etc/ssh/ssh_host_*_key.pub), " + add + " or set " + Endpoints.CHECKING_VAR + ": accept-new", false, fp);
        return NOT_INCLUDED;
    }

    private static String where(KnownHosts.Entry e) {
        return e.file() + ":" + e.line();
    }

    @Override
    public void add(HostKey hostkey, UserInfo ui) {
        // never called with StrictHostKeyChecking=yes; accept-new adds in check()
    }

    @Override
    public void remove(String host, String type) {
        // known_hosts is the user's to edit
    }

    @Override
    public void remove(String host, String type, byte[] key) {
        // known_hosts is the user's to edit
    }

    @Override
    public String getKnownHostsRepositoryID() {
        return endpoint.knownHostsForNew().toString();
    }

    /**
     * Asked only while a host certificate is checked: the authorities listed for this host (under
     * the one name JSch then matches, so that our matching of hashed names, negations and ports
     * decides) and every revoked key.
     */
    @Override
    public HostKey[] getHostKey() {
        String name = endpoint.knownHostsName();
        List<HostKey> out = new ArrayList<>();
        for (KnownHosts.Entry e : store.authorities(endpoint.knownHosts(), name)) {
            add(out, "@cert-authority", name, e);
        }
        for (KnownHosts.Entry e : store.revoked(endpoint.knownHosts())) {
            add(out, "@revoked", name, e);
        }
        return out.toArray(new HostKey[0]);
    }

    private static void add(List<HostKey> out, String marker, String name, KnownHosts.Entry e) {
        try {
            out.add(new HostKey(marker, name, HostKey.GUESS, e.key(), null));
        } catch (JSchException ex) {
            // a key type JSch does not know cannot have signed anything it can check
        }
    }

    /** Lets JSch propose first the host key types known_hosts already lists for this host. */
    @Override
    public HostKey[] getHostKey(String host, String type) {
        if (host == null) {
            return new HostKey[0];
        }
        List<HostKey> out = new ArrayList<>();
        for (KnownHosts.Entry e : store.listed(endpoint.knownHosts(), host)) {
            try {
                HostKey k = new HostKey("", host, HostKey.GUESS, e.key(), null);
                if (type == null || k.getType().equals(type)) {
                    out.add(k);
                }
            } catch (JSchException ex) {
                // a key type JSch does not know (e.g. a security key) cannot be preferred
            }
        }
        return out.toArray(new HostKey[0]);
    }
}
