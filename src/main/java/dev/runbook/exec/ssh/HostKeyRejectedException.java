package dev.runbook.exec.ssh;

import dev.runbook.exec.UnreachableException;

/**
 * A host offered a key that known_hosts does not vouch for. {@link #changed()} tells a key that
 * differs from the listed one (possible man-in-the-middle, worth auditing loudly) from a host
 * never seen before.
 */
public final class HostKeyRejectedException extends UnreachableException {
    private final boolean changed;
    private final String fingerprint;
    private final boolean jumpHostNamed;

    HostKeyRejectedException(String message, boolean changed, String fingerprint) {
        this(message, changed, fingerprint, false);
    }

    private HostKeyRejectedException(String message, boolean changed, String fingerprint, boolean jumpHostNamed) {
        super(message);
        this.changed = changed;
        this.fingerprint = fingerprint;
        this.jumpHostNamed = jumpHostNamed;
    }

    /**
     * The same refusal, said to be the key of jump host {@code name} on the way to the target (or
     * this one, when a hop nearer the target already said whose key it was).
     */
    HostKeyRejectedException ofJumpHost(String name) {
        return jumpHostNamed ? this : new HostKeyRejectedException("jump host " + name + ": " + getMessage(), changed, fingerprint, true);
    }

    /** Whether a different key is listed for this host (or this key is revoked), rather than none. */
    public boolean changed() {
        return changed;
    }

    /** The SHA256 fingerprint of the key the host offered; null for a host certificate refused as revoked. */
    public String fingerprint() {
        return fingerprint;
    }
}
