package dev.runbook.exec;

import java.nio.file.Path;

/**
 * Told when a connection changes what the user's known_hosts vouches for: under
 * {@code accept-new} an unknown host key is recorded, and a run audits that it trusted a key it
 * had never seen (OpenSSH says "Permanently added").
 */
@FunctionalInterface
public interface HostKeyEvents {
    HostKeyEvents NONE = accepted -> { };

    /** A host key recorded in {@code file} and trusted from now on. */
    void accepted(Accepted accepted);

    /**
     * @param name        the name the key was recorded under ({@code [127.0.0.1]:2222} for a port other than 22)
     * @param type        the key's algorithm ({@code ssh-ed25519})
     * @param fingerprint its SHA256 fingerprint as ssh-keygen prints it
     * @param file        the known_hosts file the line was added to
     * @param jumpHost    the jump host's name when the key is a jump host's on the way, else null
     */
    record Accepted(String name, String type, String fingerprint, Path file, String jumpHost) {
    }
}
