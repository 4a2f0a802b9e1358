package dev.runbook.testing;

import dev.runbook.model.Target;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway OpenSSH server for integration tests: {@code /usr/sbin/sshd -D} (not systemd) on a
 * loopback address and a free port, with its own host key, client keys and authorized_keys in a
 * temporary directory. {@link #close()} stops exactly that process and the session processes it
 * forked. Tests run as root; sshd needs it to switch users.
 */
public final class Sshd implements AutoCloseable {
    private static final Path SSHD = Path.of("/usr/sbin/sshd");

    private final Path dir;
    private final String address;
    private final int port;
    private final Process process;
    private final Map<String, Path> clientKeys = new ConcurrentHashMap<>();

    private Sshd(Path dir, String address, int port, Process process) {
        this.dir = dir;
        this.address = address;
        this.port = port;
        this.process = process;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An sshd on 127.0.0.1 with an ed25519 host key. */
    public static Sshd start() throws IOException {
        return builder().start();
    }

    /** Options of the server to start. */
    public static final class Builder {
        private String address = "127.0.0.1";
        private String hostKeyType = "ed25519";
        private String logLevel = "ERROR";
        private final List<String> config = new ArrayList<>();
        private Path hostCa;
        private String[] hostCertOptions;

        /** Another loopback address (127.x.y.z) lets several servers look like several hosts. */
        public Builder address(String a) {
            this.address = a;
            return this;
        }

        /** ed25519, ecdsa or rsa. */
        public Builder hostKeyType(String t) {
            this.hostKeyType = t;
            return this;
        }

        public Builder logLevel(String level) {
            this.logLevel = level;
            return this;
        }

        /**
         * Presents a host certificate signed by {@code caKey}, made with ssh-keygen's signing
         * options (e.g. {@code -n 127.0.0.1}, {@code -V 20200101:20200102}).
         */
        public Builder hostCertificate(Path caKey, String... options) {
            this.hostCa = caKey;
            this.hostCertOptions = options;
            return this;
        }

        /** An extra sshd_config line, e.g. {@code AllowTcpForwarding no}. */
        public Builder config(String line) {
            config.add(line);
            return this;
        }

        public Sshd start() throws IOException {
            Path dir = Files.createTempDirectory("sshd-it-");
            // sshd reads authorized_keys as the logging-in user, who may not be root
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectories(Path.of("/run/sshd"));
            Path hostKey = dir.resolve("ssh_host_" + hostKeyType + "_key");
            keygen(hostKeyType, hostKey, "", "host");
            if (hostCa != null) {
                config.add("HostCertificate " + certify(hostCa, hostKey, true, hostCertOptions));
            }
            Path auth = dir.resolve("authorized_keys");
            Files.writeString(auth, "");
            Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-r--r--"));
            IOException last = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                int port = freePort(address);
                Path cfg = dir.resolve("sshd_config");
                Files.writeString(cfg, config(dir, port, hostKey, auth));
                Path log = dir.resolve("sshd.log");
                Files.deleteIfExists(log);
                Process p = new ProcessBuilder(SSHD.toString(), "-D", "-f", cfg.toString(), "-E", log.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.out").toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                Sshd s = new Sshd(dir, address, port, p);
                try {
                    s.awaitGreeting();
                    s.clientKey("ed25519");
                    return s;
                } catch (IOException e) {
                    last = e;
                    s.close();
                }
            }
            throw last;
        }

        private String config(Path dir, int port, Path hostKey, Path auth) {
            StringBuilder b = new StringBuilder();
            b.append("ListenAddress ").append(address).append('\n')
                    .append("Port ").append(port).append('\n')
                    .append("HostKey ").append(hostKey).append('\n')
                    .append("PidFile ").append(dir.resolve("sshd.pid")).append('\n')
                    .append("AuthorizedKeysFile ").append(auth).append('\n')
                    .append("PermitRootLogin prohibit-password\n")
                    .append("PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n")
                    .append("UsePAM no\n")
                    // the key files live under /tmp (world-writable): skip sshd's ownership checks of the path
                    .append("StrictModes no\nUseDNS no\nPrintMotd no\nPrintLastLog no\n")
                    .append("MaxStartups 64:30:128\nMaxSessions 32\n")
                    .append("LogLevel ").append(logLevel).append('\n')
                    // root's ~/.bashrc on some boxes runs slow init code for every ssh command unless SHLVL>=1
                    .append("SetEnv SHLVL=1\n");
            config.forEach(l -> b.append(l).append('\n'));
            return b.toString();
        }
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public long pid() {
        return process.pid();
    }

    /** The default client key (ed25519), authorized for every user of this server. */
    public Path clientKey() {
        return clientKeys.get("ed25519");
    }

    /** A client key of that type (ed25519, ecdsa, rsa), generated once and authorized. */
    public Path clientKey(String type) throws IOException {
        Path existing = clientKeys.get(type);
        if (existing != null) {
            return existing;
        }
        Path key = dir.resolve("id_" + type);
        keygen(type, key, "", "client");
        authorize(key);
        clientKeys.put(type, key);
        return key;
    }

    /** Adds a public key ({@code key + ".pub"}) to authorized_keys. */
    public void authorize(Path key) throws IOException {
        Files.writeString(dir.resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")),
                StandardOpenOption.APPEND);
    }

    /** The name known_hosts lists this server under. */
    public String knownHostsName() {
        return port == 22 ? address : "[" + address + "]:" + port;
    }

    /** {@code type base64} of the host key. */
    public String hostPublicKey() throws IOException {
        try (var files = Files.list(dir)) {
            Path pub = files.filter(f -> f.getFileName().toString().matches("ssh_host_.*_key\\.pub")).findFirst()
                    .orElseThrow();
            String[] f = Files.readString(pub).strip().split("\\s+");
            return f[0] + " " + f[1];
        }
    }

    /** A known_hosts line for this server. */
    public String knownHostsLine() throws IOException {
        return knownHostsName() + " " + hostPublicKey();
    }

    /** Appends this server's known_hosts line to {@code file}, creating it. */
    public Path trustIn(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, knownHostsLine() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return file;
    }

    /** The host key's fingerprint as {@code ssh-keygen -l} prints it ({@code SHA256:...}). */
    public String hostKeyFingerprint() throws IOException {
        try (var files = Files.list(dir)) {
            Path pub = files.filter(f -> f.getFileName().toString().matches("ssh_host_.*_key\\.pub")).findFirst()
                    .orElseThrow();
            String out = run("ssh-keygen", "-l", "-E", "sha256", "-f", pub.toString());
            return out.split("\\s+")[1];
        }
    }

    /** A target for this server as root, with the default client key. */
    public Target target(String name) {
        return target(name, Map.of());
    }

    public Target target(String name, Map<String, Object> vars) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("ansible_ssh_private_key_file", clientKey().toString());
        v.putAll(vars);
        return new Target(name, address, port, "root", v);
    }

    public String log() throws IOException {
        Path log = dir.resolve("sshd.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** kill -9 of the listener and of every sshd session process it forked; their commands are not touched. */
    public void killHard() {
        List<ProcessHandle> sessions = process.toHandle().descendants()
                .filter(h -> h.info().command().orElse("").endsWith("/sshd")).toList();
        process.destroyForcibly();
        sessions.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
        List<ProcessHandle> children = process.toHandle().descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        deleteTree(dir);
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    private void awaitGreeting() throws IOException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("sshd exited: " + log() + Files.readString(dir.resolve("sshd.out")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 500);
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                byte[] b = new byte[4];
                if (in.readNBytes(b, 0, 4) == 4 && new String(b, StandardCharsets.US_ASCII).equals("SSH-")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for sshd");
            }
        }
        throw new IOException("sshd on " + address + ":" + port + " did not answer in 10 s: " + log());
    }

    static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return s.getLocalPort();
        }
    }

    /** Generates a key pair with ssh-keygen; {@code passphrase} empty for none. */
    public static void keygen(String type, Path file, String passphrase, String comment) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", comment,
                "-f", file.toString()));
        if (type.equals("rsa")) {
            cmd.addAll(List.of("-b", "2048"));
        }
        run(cmd.toArray(String[]::new));
    }

    /**
     * Signs the public half of {@code key} ({@code key.pub}) with {@code caKey}, as a host or a user
     * certificate, with ssh-keygen's signing options ({@code -n}, {@code -V}); returns
     * {@code key-cert.pub}, where OpenSSH looks for it.
     */
    public static Path certify(Path caKey, Path key, boolean host, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-s", caKey.toString(), "-I",
                key.getFileName() + "-cert"));
        if (host) {
            cmd.add("-h");
        }
        cmd.addAll(List.of(options));
        cmd.add(key + ".pub");
        run(cmd.toArray(String[]::new));
        return Path.of(key + "-cert.pub");
    }

    /** Runs a local tool and returns its output; fails on a non-zero exit. */
    public static String run(String... argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", argv) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }
}
