package dev.runbook.exec.ssh;

import com.jcraft.jsch.AgentIdentityRepository;
import com.jcraft.jsch.AgentProxyException;
import com.jcraft.jsch.Identity;
import com.jcraft.jsch.IdentityRepository;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.SSHAgentConnector;
import com.jcraft.jsch.UnixDomainSocketFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client keys offered to servers: the ssh-agent's first (as OpenSSH does, unless
 * IdentitiesOnly), then key files. A key file is read and decrypted once per run and shared by
 * every connection; an encrypted key is decrypted with the passphrase the wiring passed for its
 * path (or for {@code "*"}), never by prompting. Keys that cannot be used are skipped and named
 * in the authentication failure, because the agent may hold the same key.
 */
final class KeyRing {
    private record Loaded(FileTime modified, Identity identity, String problem) {}

    /** The keys for one connection, and what was offered, for an authentication failure. */
    record Keys(IdentityRepository repository, List<String> offered, List<String> skipped) {
        String describe() {
            String s = offered.isEmpty() ? "no key to offer" : "offered " + String.join(", ", offered);
            return skipped.isEmpty() ? s : s + "; skipped " + String.join("; ", skipped);
        }
    }

    private final SshSettings settings;
    private final Map<Path, Loaded> files = new ConcurrentHashMap<>();
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
        for (Path p : e.identityFiles()) {
            if (!Files.isRegularFile(p)) {
                if (e.explicitKeys()) {
                    skipped.add(p + ": no such file");
                }
                continue;
            }
            Loaded l = load(p);
            if (l.identity() != null) {
                ids.add(l.identity());
                offered.add(p.toString());
            } else {
                skipped.add(p + ": " + l.problem());
            }
        }
        return new Keys(new Fixed(ids), offered, skipped);
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

    private Loaded load(Path p) {
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(p);
        } catch (IOException ex) {
            return new Loaded(null, null, "cannot read it: " + ex.getMessage());
        }
        Loaded cached = files.get(p);
        if (cached != null && cached.modified().equals(modified)) {
            return cached;
        }
        Loaded l = read(p, modified);
        files.put(p, l);
        return l;
    }

    private Loaded read(Path p, FileTime modified) {
        String passphrase = passphraseFor(p);
        byte[] pass = passphrase == null ? null : passphrase.getBytes(StandardCharsets.UTF_8);
        try {
            JSch loader = new JSch();
            loader.addIdentity(p.toString(), pass);
            Identity id = loader.getIdentityRepository().getIdentities().get(0);
            if (id.isEncrypted()) {
                return new Loaded(modified, null, "encrypted, and no passphrase was given for it");
            }
            return new Loaded(modified, id, null);
        } catch (JSchException ex) {
            String m = String.valueOf(ex.getMessage());
            return new Loaded(modified, null, m.toLowerCase().contains("passphrase") ? "wrong passphrase" : m);
        } finally {
            if (pass != null) {
                java.util.Arrays.fill(pass, (byte) 0);
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
