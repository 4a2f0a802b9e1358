package dev.runbook.exec.ssh;

import java.nio.file.Path;
import java.util.List;

/**
 * Where and how to reach one SSH server, every default already applied.
 *
 * @param host              the address to connect to (ssh_config HostName, else the inventory address)
 * @param hostKeyAlias      the name known_hosts lists the host under instead of {@code host}, or null
 * @param identityFiles     key files to offer, in order; missing default keys are skipped
 * @param certificateFiles  ssh_config CertificateFile: certificates offered with the key they certify
 * @param explicitKeys      whether the key files were named (inventory or ssh_config) rather than the defaults
 * @param identitiesOnly    ssh_config IdentitiesOnly: offer no agent keys
 * @param agentSocket       the ssh-agent to ask for keys, or null
 * @param proxyJump         the ProxyJump value (one or more hops, comma-separated), or null
 * @param proxyCommand      the ProxyCommand to connect through, its tokens expanded, or null
 * @param knownHosts        every known_hosts file trusted for this host
 * @param knownHostsForNew  where {@code accept-new} records a new key
 * @param acceptNew         record an unknown host key instead of refusing it (a changed key is still refused)
 */
record Endpoint(String host, int port, String user, String hostKeyAlias, List<Path> identityFiles,
                List<Path> certificateFiles, boolean explicitKeys, boolean identitiesOnly, String agentSocket, int connectTimeoutMs,
                int aliveIntervalMs, int aliveCountMax, String proxyJump, String proxyCommand, List<Path> knownHosts,
                Path knownHostsForNew, boolean acceptNew) {

    Endpoint {
        identityFiles = List.copyOf(identityFiles);
        certificateFiles = List.copyOf(certificateFiles);
        knownHosts = List.copyOf(knownHosts);
    }

    /** The name a known_hosts line carries for this host, as OpenSSH writes it. */
    String knownHostsName() {
        if (hostKeyAlias != null) {
            return hostKeyAlias;
        }
        return port == 22 ? host : "[" + host + "]:" + port;
    }

    /** {@code user@host:port}, for messages. */
    String display() {
        return user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    Endpoint viaJump(String jump) {
        return new Endpoint(host, port, user, hostKeyAlias, identityFiles, certificateFiles, explicitKeys,
                identitiesOnly, agentSocket, connectTimeoutMs, aliveIntervalMs, aliveCountMax, jump, null, knownHosts, knownHostsForNew, acceptNew);
    }
}
