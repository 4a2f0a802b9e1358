package dev.runbook.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The one directory that holds state: {@code $RUNBOOK_STATE}, else {@code $XDG_STATE_HOME/runbook},
 * else {@code ~/.local/state/runbook}. Created private (0700).
 */
public final class StateDir {
    private final Path root;

    public StateDir(Path root) {
        this.root = root;
    }

    public static StateDir fromEnvironment(Map<String, String> env) {
        String explicit = env.get("RUNBOOK_STATE");
        if (explicit != null && !explicit.isBlank()) {
            return new StateDir(Path.of(explicit).toAbsolutePath());
        }
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return new StateDir(Path.of(xdg, "runbook").toAbsolutePath());
        }
        return new StateDir(Path.of(System.getProperty("user.home"), ".local", "state", "runbook"));
    }

    public Path root() {
        return root;
    }

    public Path auditFile() {
        return root.resolve("audit.jsonl");
    }

    public Path locks() {
        return root.resolve("locks");
    }

    public Path tmp() {
        return root.resolve("tmp");
    }

    /** Creates the directory (and {@code sub}) with mode 0700 when missing. */
    public Path ensure(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            return dir;
        } catch (IOException e) {
            throw new AuditException("cannot create the state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path ensure() {
        return ensure(root);
    }

    /** Makes a file private (0600), whatever mode it was created with. */
    public static void makePrivate(Path file) throws IOException {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-------");
        if (!Files.getPosixFilePermissions(file).equals(perms)) {
            Files.setPosixFilePermissions(file, perms);
        }
    }
}
