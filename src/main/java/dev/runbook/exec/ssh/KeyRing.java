package dev.runbook.exec.ssh;

import com.jcraft.jsch.AgentIdentityRepository;
import com.jcraft.jsch.AgentProxyException;
import com.jcraft.jsch.Identity;
import com.jcraft.jsch.IdentityRepository;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.SSHAgentConnector;
import com.jcraft.jsch.UnixDomainSocketFactory;
import dev.runbook.model.LocalUser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client keys offered to servers: the ssh-agent's first (as OpenSSH does, unless
 * IdentitiesOnly), then key files. A key file is read and decrypted once per run and shared by
 * every connection; an encrypted key is decrypted with the passphrase the wiring passed for its
 * path (or for {@code "*"}), never by prompting. Keys that cannot be used are skipped and named
 * in the authentication failure, because the agent may hold the same key. A key's OpenSSH
 * certificates ({@code KEY-cert.pub} beside it, ssh_config CertificateFile) are offered before it.
 */
final class KeyRing {
    private record Loaded(String modified, Identity identity, String problem) {}

    /** The keys for one connection, and what was offered, for an authentication failure. */
    record Keys(IdentityRepository repository, List<String> offered, List<String> skipped) {
        String describe() {
            String s = offered.isEmpty() ? "no key to offer" : "offered " + String.join(", ", offered);
            return skipped.isEmpty() ? s : s + "; skipped " + String.join("; ", skipped);
        }
    }

    private final SshSettings settings;
    private final Map<String, Loaded> files = new ConcurrentHashMap<>();
    private final Map<String, IdentityRepository> agents = new ConcurrentHashMap<>();

    KeyRing(SshSettings settings) {
        this.settings = settings;
    }

    Keys forEndpoint(Endpoint e) {
        List<Identity> ids = new ArrayList<>();
        List<String> offered = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        if (!e.identitiesOnly() && e.agentSocket() != null) {
            agentKeys(e.agentSocket(), ids, offered, skipped);
        }
        Set<Path> certified = new HashSet<>();
        for (Path p : e.identityFiles()) {
            if (!Files.isRegularFile(p)) {
                boolean exists = Files.exists(p);
                if (e.explicitKeys() || exists) {
                    skipped.add(p + ": " + (!exists ? "no such file" : Files.isDirectory(p) ? "not a regular file (a directory)"
                            : "not a regular file"));
                }
                continue;
            }
            String open = tooOpen(p);
            if (open != null) {
                skipped.add(p + ": " + open);
                continue;
            }
            Loaded l = load(p, null);
            if (l.identity() == null) {
                skipped.add(p + ": " + l.problem());
                continue;
            }
            // as ssh(1): a key's certificates first, then the key itself, which a server that does not
            // trust the certificate's signer may still accept
            for (Path cert : certificates(p, l.identity(), e.certificateFiles(), skipped)) {
                certified.add(cert);
                Loaded c = load(p, cert);
                if (c.identity() != null) {
                    ids.add(c.identity());
                    offered.add(cert + " (certificate)");
                } else {
                    skipped.add(cert + ": " + c.problem());
                }
            }
            ids.add(l.identity());
            offered.add(p.toString());
        }
        for (Path cert : e.certificateFiles()) {
            if (!certified.contains(cert)) {
                skipped.add(cert + ": " + (Files.isRegularFile(cert) ? "certifies none of the key files offered"
                        : "no such file"));
            }
        }
        return new Keys(new Fixed(ids), offered, skipped);
    }

    /**
     * The certificates of one key: {@code KEY-cert.pub} beside it, as ssh(1) finds it, and every
     * CertificateFile that certifies this key. A certificate beside the key that certifies another
     * key is named in the skipped ones.
     */
    private static List<Path> certificates(Path key, Identity identity, List<Path> named, List<String> skipped) {
        List<Path> out = new ArrayList<>();
        Path beside = Path.of(key + "-cert.pub");
        if (Files.isRegularFile(beside) && !named.contains(beside)) {
            if (certifies(beside, identity)) {
                out.add(beside);
            } else {
                skipped.add(beside + ": not a certificate of " + key);
            }
        }
        for (Path cert : named) {
            if (Files.isRegularFile(cert) && certifies(cert, identity)) {
                out.add(cert);
            }
        }
        return out;
    }

    /**
     * Whether the certificate file ({@code TYPE-cert-v01@openssh.com BASE64 [comment]}) certifies the
     * key: after its type and nonce, a certificate carries the key's fields as the key's own blob
     * does after its type.
     */
    static boolean certifies(Path cert, Identity identity) {
        try {
            String[] f = Files.readString(cert, StandardCharsets.UTF_8).strip().split("\\s+");
            if (f.length < 2 || !f[0].contains("-cert-")) {
                return false;
            }
            ByteBuffer c = ByteBuffer.wrap(Base64.getDecoder().decode(f[1]));
            ByteBuffer k = ByteBuffer.wrap(identity.getPublicKeyBlob());
            skipString(c);
            skipString(c);
            skipString(k);
            return k.remaining() > 0 && c.remaining() >= k.remaining() && c.slice().limit(k.remaining()).equals(k);
        } catch (IOException | RuntimeException ex) {
            return false;
        }
    }

    private static void skipString(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("not an SSH blob");
        }
        b.position(b.position() + len);
    }

    private void agentKeys(String socket, List<Identity> ids, List<String> offered, List<String> skipped) {
        try {
            IdentityRepository agent = agents.computeIfAbsent(socket, s -> {
                try {
                    return new AgentIdentityRepository(new SSHAgentConnector(new UnixDomainSocketFactory(), Path.of(s)));
                } catch (AgentProxyException ex) {
                    throw new IllegalStateException(ex.getMessage(), ex);
                }
            });
            Vector<Identity> found = agent.getIdentities();
            ids.addAll(found);
            offered.add("ssh-agent (" + found.size() + (found.size() == 1 ? " key)" : " keys)"));
        } catch (RuntimeException ex) {
            skipped.add("ssh-agent at " + socket + ": " + ex.getMessage());
        }
    }

    /**
     * As ssh(1), a private key of ours that others may read or change is not used: it says the
     * permissions and the fix, or null when the key is private (or not ours: ssh leaves those be).
     */
    static String tooOpen(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode");
            long owner = ((Number) a.get("uid")).longValue();
            int mode = (Integer) a.get("mode") & 07777;
            if (owner == LocalUser.current().uid() && (mode & 077) != 0) {
                return String.format("permissions %04o are too open: a private key others can read is ignored, as ssh"
                        + " ignores it (chmod 600 %s)", mode, p);
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
            // reading it will say what is wrong
        }
        return null;
    }

    /** The key at {@code p}, or (with {@code cert}) the key presented with that certificate; read once per change. */
    private Loaded load(Path p, Path cert) {
        String modified;
        try {
            modified = Files.getLastModifiedTime(p) + (cert == null ? "" : " " + Files.getLastModifiedTime(cert));
        } catch (IOException ex) {
            return new Loaded(null, null, "cannot read it: " + ex.getMessage());
        }
        String id = cert == null ? p.toString() : p + "\0" + cert;
        Loaded cached = files.get(id);
        if (cached != null && cached.modified().equals(modified)) {
            return cached;
        }
        Loaded l = read(p, cert, modified);
        files.put(id, l);
        return l;
    }

    private Loaded read(Path p, Path cert, String modified) {
        String passphrase = passphraseFor(p);
        byte[] pass = passphrase == null ? null : passphrase.getBytes(StandardCharsets.UTF_8);
        byte[] prv = null;
        try {
            prv = Files.readAllBytes(p);
            Path pubFile = cert != null ? cert : Path.of(p + ".pub");
            byte[] pub = cert != null || Files.isRegularFile(pubFile) ? Files.readAllBytes(pubFile) : null;
            JSch loader = new JSch();
            // the bytes, not the path: given a path, JSch would swap in KEY-cert.pub for the plain key
            loader.addIdentity(p.toString(), prv, pub, pass);
            Identity id = loader.getIdentityRepository().getIdentities().get(0);
            if (id.isEncrypted()) {
                return new Loaded(modified, null, "encrypted, and no passphrase was given for it");
            }
            return new Loaded(modified, id, null);
        } catch (IOException ex) {
            return new Loaded(modified, null, "cannot read it: " + ex.getMessage());
        } catch (JSchException ex) {
            String m = String.valueOf(ex.getMessage());
            return new Loaded(modified, null, m.toLowerCase().contains("passphrase") ? "wrong passphrase" : m);
        } finally {
            if (pass != null) {
                java.util.Arrays.fill(pass, (byte) 0);
            }
            if (prv != null) {
                java.util.Arrays.fill(prv, (byte) 0);
            }
        }
    }

    private String passphraseFor(Path p) {
        Map<String, String> m = settings.keyPassphrases();
        String abs = p.toAbsolutePath().normalize().toString();
        String home = settings.home().toAbsolutePath().normalize().toString();
        String tilde = abs.startsWith(home + "/") ? "~" + abs.substring(home.length()) : null;
        for (String k : new String[] {abs, p.toString(), tilde}) {
            if (k != null && m.containsKey(k)) {
                return m.get(k);
            }
        }
        return m.get("*");
    }

    /** A fixed list of keys for one session; JSch only reads it. */
    private static final class Fixed implements IdentityRepository {
        private final List<Identity> ids;

        Fixed(List<Identity> ids) {
            this.ids = List.copyOf(ids);
        }

        @Override
        public String getName() {
            return "runbook";
        }

        @Override
        public int getStatus() {
            return RUNNING;
        }

        @Override
        public Vector<Identity> getIdentities() {
            return new Vector<>(ids);
        }

        @Override
        public boolean add(byte[] identity) {
            return false;
        }

        @Override
        public boolean remove(byte[] blob) {
            return false;
        }

        @Override
        public void removeAll() {
            // the list is fixed for the session
        }
    }
}
