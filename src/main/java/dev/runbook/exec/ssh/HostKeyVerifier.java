package dev.runbook.exec.ssh;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides, for one connection, whether the key a server proved it holds is the one known_hosts
 * lists. JSch runs with {@code StrictHostKeyChecking=yes} and asks us; we remember why we said no,
 * so that the refusal reads as one actionable line rather than JSch's "reject HostKey".
 * With {@code accept-new} an unknown key is recorded and accepted; a changed key never is.
 */
final class HostKeyVerifier implements HostKeyRepository {
    private final KnownHosts store;
    private final Endpoint endpoint;
    private volatile HostKeyRejectedException rejection;

    HostKeyVerifier(KnownHosts store, Endpoint endpoint) {
        this.store = store;
        this.endpoint = endpoint;
    }

    /** Why the last check refused the host, or null. */
    HostKeyRejectedException rejection() {
        return rejection;
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
                        + ") is marked @revoked in " + where(v.conflict()) + "; connection refused", true, fp);
                return CHANGED;
            case CHANGED:
                rejection = new HostKeyRejectedException("HOST KEY CHANGED for " + name + ": it now offers " + type + " "
                        + fp + ", not the key listed in " + where(v.conflict()) + " - possible man-in-the-middle attack;"
                        + " connection refused. If the change is expected, remove the old line (ssh-keygen -R '" + name
                        + "' -f " + v.conflict().file() + ") and accept the new key", true, fp);
                return CHANGED;
            default:
                return unknown(name, key, type, fp);
        }
    }

    private int unknown(String name, byte[] key, String type, String fp) {
        if (endpoint.acceptNew()) {
            try {
                store.add(endpoint.knownHostsForNew(), name, key);
                return OK;
            } catch (IOException e) {
                rejection = new HostKeyRejectedException("host key of " + name + " (" + type + " " + fp
                        + ") is unknown and could not be added to " + endpoint.knownHostsForNew() + ": " + e.getMessage(),
                        false, fp);
                return NOT_INCLUDED;
            }
        }
        String port = endpoint.port() == 22 ? "" : "-p " + endpoint.port() + " ";
        rejection = new HostKeyRejectedException("host key of " + name + " is unknown (" + type + " " + fp
                + "); if that is the right key, add it with 'ssh-keyscan " + port + endpoint.host() + " >> "
                + endpoint.knownHostsForNew() + "' or set " + Endpoints.CHECKING_VAR + ": accept-new", false, fp);
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

    @Override
    public HostKey[] getHostKey() {
        return new HostKey[0];
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
