package dev.runbook.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.LinkOption;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one directory that holds state: {@code $RUNBOOK_STATE}, else {@code $XDG_STATE_HOME/runbook},
 * else {@code ~/.local/state/runbook}. Created private (0700); one that was made open to other users
 * is made private again when it is ours, and reported when it is not (the audit trail is private).
 */
public final class StateDir {
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private final Path root;
    private final Consumer<String> notices;
    private boolean checked;

    public StateDir(Path root) {
        this(root, notice -> { });
    }

    /** @param notices hears, once, of a state directory that was open to other users */
    public StateDir(Path root, Consumer<String> notices) {
        this.root = root;
        this.notices = notices;
    }

    public static StateDir fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, notice -> { });
    }

    public static StateDir fromEnvironment(Map<String, String> env, Consumer<String> notices) {
        return new StateDir(root(env), notices);
    }

    private static Path root(Map<String, String> env) {
        String explicit = env.get("RUNBOOK_STATE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "runbook").toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".local", "state", "runbook");
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
        keepPrivate();
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

    /**
     * A state directory that exists open to other users (made by hand, or by a umask): ours is made
     * private, one of another user's is reported. Checked once, when state is first written.
     */
    private synchronized void keepPrivate() {
        if (checked) {
            return;
        }
        checked = true;
        try {
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(root);
            Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
            open.addAll(perms);
            open.retainAll(OTHERS);
            if (open.isEmpty()) {
                return;
            }
            String was = PosixFilePermissions.toString(perms);
            String owner = Files.getOwner(root).getName();
            if (owner.equals(System.getProperty("user.name"))) {
                Set<PosixFilePermission> tight = EnumSet.noneOf(PosixFilePermission.class);
                tight.addAll(perms);
                tight.removeAll(OTHERS);
                Files.setPosixFilePermissions(root, tight);
                notices.accept("the state directory " + root + " was open to other users (" + was + "); made it private ("
                        + PosixFilePermissions.toString(tight) + "): it holds the audit trail");
            } else {
                notices.accept("warning: the state directory " + root + " is open to other users (" + was + ") and belongs to "
                        + owner + "; make it private: chmod go= " + root);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system, or it changed under us: creating and writing will tell
        }
    }

    /** Makes a file private (0600), whatever mode it was created with. */
    public static void makePrivate(Path file) throws IOException {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-------");
        if (!Files.getPosixFilePermissions(file).equals(perms)) {
            Files.setPosixFilePermissions(file, perms);
        }
    }
}
