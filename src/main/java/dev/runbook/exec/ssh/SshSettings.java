package dev.runbook.exec.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What the SSH executor takes from the machine it runs on. Everything is injectable so that
 * tests never read the real {@code ~/.ssh} or talk to the real ssh-agent.
 *
 * @param home             the directory {@code ~} stands for (keys, {@code ~/.ssh/known_hosts})
 * @param userConfig       the user's ssh_config, usually {@code ~/.ssh/config}; may not exist
 * @param systemConfig     the system's ssh_config read after it, or null
 * @param globalKnownHosts trusted read-only, usually {@code /etc/ssh/ssh_known_hosts}, or null
 * @param agentSocket      the ssh-agent socket ({@code SSH_AUTH_SOCK}), or null for no agent
 * @param keyPassphrases   key file path (absolute, or as written with {@code ~/}) to its passphrase;
 *                         the key {@code "*"} applies to any encrypted key not listed
 * @param connectTimeout   TCP connect and each read of the handshake, unless the host overrides it
 * @param aliveInterval    keepalive interval once connected, unless ssh_config sets ServerAliveInterval
 * @param aliveCountMax    unanswered keepalives before the connection counts as dead
 */
public record SshSettings(Path home, Path userConfig, Path systemConfig, Path globalKnownHosts, String agentSocket,
                          Map<String, String> keyPassphrases, Duration connectTimeout, Duration aliveInterval,
                          int aliveCountMax) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_ALIVE_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_ALIVE_COUNT_MAX = 3;

    public SshSettings {
        keyPassphrases = Map.copyOf(keyPassphrases);
        if (connectTimeout == null || connectTimeout.isZero() || connectTimeout.isNegative()) {
            connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        }
        if (aliveInterval == null || aliveInterval.isZero() || aliveInterval.isNegative()) {
            aliveInterval = DEFAULT_ALIVE_INTERVAL;
        }
        if (aliveCountMax < 1) {
            aliveCountMax = DEFAULT_ALIVE_COUNT_MAX;
        }
    }

    /** The real user's setup: {@code user.home}, its ssh config, the system files and {@code SSH_AUTH_SOCK}. */
    public static SshSettings fromEnvironment(Map<String, String> env, Map<String, String> keyPassphrases) {
        Path home = Path.of(System.getProperty("user.home"));
        String agent = env.get("SSH_AUTH_SOCK");
        return new SshSettings(home, home.resolve(".ssh/config"), Path.of("/etc/ssh/ssh_config"),
                Path.of("/etc/ssh/ssh_known_hosts"), agent == null || agent.isBlank() ? null : agent,
                keyPassphrases, null, null, 0);
    }

    /** Only what lies under {@code home}: no system files, no agent, no passphrases. */
    public static SshSettings isolated(Path home) {
        return new SshSettings(home, home.resolve(".ssh/config"), null, null, null, Map.of(), null, null, 0);
    }

    public SshSettings withAgent(String socket) {
        return new SshSettings(home, userConfig, systemConfig, globalKnownHosts, socket, keyPassphrases,
                connectTimeout, aliveInterval, aliveCountMax);
    }

    public SshSettings withKeyPassphrases(Map<String, String> passphrases) {
        return new SshSettings(home, userConfig, systemConfig, globalKnownHosts, agentSocket, passphrases,
                connectTimeout, aliveInterval, aliveCountMax);
    }

    public SshSettings withTimeouts(Duration connect, Duration alive, int countMax) {
        return new SshSettings(home, userConfig, systemConfig, globalKnownHosts, agentSocket, keyPassphrases,
                connect, alive, countMax);
    }

    @Override
    public String toString() {
        return "SshSettings[home=" + home + ", config=" + userConfig + ", agent=" + agentSocket
                + ", passphrases=" + keyPassphrases.size() + "]";
    }
}
