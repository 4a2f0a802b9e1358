package dev.runbook.exec.ssh;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * known_hosts files as OpenSSH reads them: plain and hashed ({@code |1|salt|hmac}) host names,
 * wildcards and {@code !negation}, {@code [host]:port} for other ports, {@code @revoked} keys and
 * {@code @cert-authority} keys (which vouch for host certificates, never for a plain key).
 * Parsed here so that a key listed for port 22 is never compared with another port's (JSch's
 * KnownHosts falls back to the bare host name). Files are re-read when they change on disk.
 */
final class KnownHosts {

    /** One key line. {@code names} is the host field as written (comma-separated patterns or a hash). */
    record Entry(Path file, int line, String marker, String names, String type, byte[] key) {}

    enum Status { OK, UNKNOWN, CHANGED, REVOKED }

    /** The answer for one host and key; {@code conflict} is the listed key that differs, when CHANGED or REVOKED. */
    record Verdict(Status status, Entry conflict) {}

    private record Cached(FileTime modified, long size, List<Entry> entries) {}

    private final Map<Path, Cached> cache = new ConcurrentHashMap<>();

    Verdict check(List<Path> files, String name, byte[] key) {
        String type = keyType(key);
        Entry changed = null;
        boolean ok = false;
        for (Path f : files) {
            for (Entry e : entries(f)) {
                boolean sameKey = Arrays.equals(e.key(), key);
                if (e.marker().equals("@revoked")) {
                    if (sameKey) {
                        return new Verdict(Status.REVOKED, e);
                    }
                } else if (e.marker().isEmpty() && matches(e.names(), name)) {
                    if (sameKey) {
                        ok = true;
                    } else if (e.type().equals(type) && changed == null) {
                        changed = e;
                    }
                }
            }
        }
        if (ok) {
            return new Verdict(Status.OK, null);
        }
        return changed != null ? new Verdict(Status.CHANGED, changed) : new Verdict(Status.UNKNOWN, null);
    }

    /** Every key listed for {@code name}: lets the key exchange prefer a host key type we already know. */
    List<Entry> listed(List<Path> files, String name) {
        List<Entry> out = new ArrayList<>();
        for (Path f : files) {
            for (Entry e : entries(f)) {
                if (e.marker().isEmpty() && matches(e.names(), name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** The {@code @cert-authority} keys listed for {@code name}: the signers of host certificates trusted there. */
    List<Entry> authorities(List<Path> files, String name) {
        List<Entry> out = new ArrayList<>();
        for (Path f : files) {
            for (Entry e : entries(f)) {
                if (e.marker().equals("@cert-authority") && matches(e.names(), name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** Every {@code @revoked} key: refused as a host key, as a certificate's key and as a certificate's signer. */
    List<Entry> revoked(List<Path> files) {
        List<Entry> out = new ArrayList<>();
        for (Path f : files) {
            for (Entry e : entries(f)) {
                if (e.marker().equals("@revoked")) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** Appends {@code name type key} to {@code file}, creating it (and a private {@code ~/.ssh}) when missing. */
    synchronized void add(Path file, String name, byte[] key) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            if (dir.getFileName() != null && dir.getFileName().toString().equals(".ssh")) {
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
        }
        String line = name + " " + keyType(key) + " " + Base64.getEncoder().encodeToString(key) + "\n";
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND); FileLock lock = ch.lock()) {
            if (ch.size() > 0 && !endsWithNewline(file)) {
                line = "\n" + line;
            }
            ch.write(java.nio.ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        }
        cache.remove(file);
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(f.length() - 1);
            return f.read() == '\n';
        }
    }

    private List<Entry> entries(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return List.of();
            }
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            Cached c = cache.get(file);
            if (c != null && c.modified().equals(modified) && c.size() == size) {
                return c.entries();
            }
            List<Entry> parsed = parse(file, Files.readAllLines(file, StandardCharsets.UTF_8));
            cache.put(file, new Cached(modified, size, parsed));
            return parsed;
        } catch (IOException e) {
            // an unreadable file trusts nothing; the refusal message names the files we read
            return List.of();
        }
    }

    static List<Entry> parse(Path file, List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).strip().split("\\s+");
            if (f.length == 0 || f[0].isEmpty() || f[0].startsWith("#")) {
                continue;
            }
            int at = 0;
            String marker = f[0].startsWith("@") ? f[at++] : "";
            if (f.length < at + 3) {
                continue;
            }
            try {
                byte[] key = Base64.getDecoder().decode(f[at + 2]);
                out.add(new Entry(file, i + 1, marker, f[at], f[at + 1], key));
            } catch (IllegalArgumentException e) {
                // not a key line (ssh ignores it too)
            }
        }
        return List.copyOf(out);
    }

    static boolean matches(String names, String host) {
        if (names.startsWith("|1|")) {
            return hashedMatches(names, host);
        }
        return SshConfig.hostMatches(List.of(names.split(",")), host);
    }

    private static boolean hashedMatches(String names, String host) {
        String[] parts = names.substring(3).split("\\|");
        if (parts.length != 2) {
            return false;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[0]);
            byte[] expected = Base64.getDecoder().decode(parts[1]);
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(salt, "HmacSHA1"));
            return MessageDigest.isEqual(expected, mac.doFinal(host.getBytes(StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    /** The algorithm name a public key blob starts with ({@code ssh-ed25519}, {@code ssh-rsa}, ...). */
    static String keyType(byte[] blob) {
        if (blob.length < 4) {
            return "unknown";
        }
        int len = ((blob[0] & 0xff) << 24) | ((blob[1] & 0xff) << 16) | ((blob[2] & 0xff) << 8) | (blob[3] & 0xff);
        if (len <= 0 || len > blob.length - 4) {
            return "unknown";
        }
        return new String(blob, 4, len, StandardCharsets.US_ASCII);
    }

    /** OpenSSH's {@code SHA256:...} fingerprint (unpadded base64 of the blob's SHA-256). */
    static String fingerprint(byte[] blob) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
