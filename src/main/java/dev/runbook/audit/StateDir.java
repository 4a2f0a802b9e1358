package dev.runbook.audit;

import dev.runbook.model.InvalidInputException;
import dev.runbook.model.LocalUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one directory that holds state: {@code $RUNBOOK_STATE}, else {@code $XDG_STATE_HOME/runbook},
 * else {@code ~/.local/state/runbook}. Created private (0700); one that was made open to other users
 * is made private again when it is ours. A run writes in it only when no other user can change
 * what its files are (see {@link #check}): the audit trail, the run locks and script files.
 */
public final class StateDir {
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private final Path root;
    private final Consumer<String> notices;
    private final Set<Path> ensured = new HashSet<>();
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

    /**
     * Creates the directory (or {@code dir}, one of its subdirectories) with mode 0700 when
     * missing, after {@link #check} passed.
     *
     * @throws InvalidInputException as {@link #check}; or {@code dir} is a link, or not this user's
     */
    public synchronized Path ensure(Path dir) {
        check();
        if (ensured.contains(dir)) {
            return dir;
        }
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!dir.equals(root)) {
                StrictModes.Entry e = StrictModes.inside(dir, true, LocalUser.current());
                keepPrivate(e, dir + " in the state directory", "");
            }
        } catch (IOException e) {
            throw new AuditException("cannot create the state directory " + dir + ": " + e.getMessage(), e);
        }
        ensured.add(dir);
        return dir;
    }

    public Path ensure() {
        return ensure(root);
    }

    /**
     * Checks, once, that the state directory may hold this user's state (see {@link StrictModes}):
     * every directory and link on the way is this user's or root's and open to no one else's
     * writes, the directory is this user's (or root's), and what is in it is no link. One of
     * ours open to other users is made private. Writing commands call it before anything runs;
     * reading ones do not: a trail of someone else's may be read.
     *
     * @throws InvalidInputException (exit 2) naming the path at fault, and what to do
     */
    public synchronized void check() {
        if (checked) {
            return;
        }
        try {
            StrictModes.Entry dir = StrictModes.walk(root, "the state directory", LocalUser.current());
            if (dir != null) {
                checkOwnDirectory(dir);
                for (String file : List.of("audit.jsonl", "audit.jsonl.head")) {
                    StrictModes.inside(root.resolve(file), false, LocalUser.current());
                }
                for (String sub : List.of("locks", "tmp", "spool")) {
                    StrictModes.Entry e = StrictModes.inside(root.resolve(sub), true, LocalUser.current());
                    keepPrivate(e, root.resolve(sub) + " in the state directory", "");
                }
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check modes with
        } catch (java.nio.file.FileSystemException e) {
            String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getReason();
            throw StrictModes.refused(e.getFile() == null ? root : Path.of(e.getFile()), "the state directory " + root + " cannot be checked: " + why);
        } catch (IOException e) {
            throw new AuditException("cannot check the state directory " + root + ": " + e.getMessage(), e);
        }
        checked = true;
    }

    /** The state directory itself: ours and open is made private; someone else's is refused, or (only readable) reported. */
    private void checkOwnDirectory(StrictModes.Entry dir) throws IOException {
        LocalUser me = LocalUser.current();
        String at = dir.path().equals(root) ? "" : " (at " + dir.path() + ")";
        if (dir.sticky() && dir.writableByOthers()) {
            throw StrictModes.refused(dir.path(), "the state directory" + at + " is a directory shared by all (" + dir.owner() + ", "
                    + dir.perms() + "): give runbook a directory of its own, e.g. RUNBOOK_STATE=" + dir.path().resolve("runbook-" + me.name()));
        }
        if (!me.trusts(dir.uid()) || (dir.uid() != me.uid() && dir.writableByOthers())) {
            throw StrictModes.refused(dir.path(), "the state directory" + at + " belongs to " + dir.owner() + " (" + dir.perms()
                    + "), not to " + me.name() + ": another user could plant links in it for a run to follow; use one of yours"
                    + " (RUNBOOK_STATE), or have it given to you: chown " + me.name() + " " + dir.path() + " && chmod go= " + dir.path());
        }
        if (dir.uid() == me.uid()) {
            keepPrivate(dir, "the state directory " + root + at, ": it holds the audit trail");
        } else if ((dir.mode() & 077) != 0) {
            notices.accept("warning: the state directory " + root + at + " is open to other users (" + dir.perms() + ") and belongs to "
                    + dir.owner() + "; make it private: chmod go= " + dir.path());
        }
    }

    /** A directory of ours open to other users is made private, and said so once. */
    private void keepPrivate(StrictModes.Entry e, String what, String why) throws IOException {
        if (e == null || (e.mode() & 077) == 0 || e.uid() != LocalUser.current().uid()) {
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(e.path(), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        Set<PosixFilePermission> tight = EnumSet.noneOf(PosixFilePermission.class);
        tight.addAll(perms);
        tight.removeAll(OTHERS);
        view.setPermissions(tight);
        notices.accept(what + " was open to other users (" + PosixFilePermissions.toString(perms) + "); made it private ("
                + PosixFilePermissions.toString(tight) + ")" + why);
    }

    /** Makes a file private (0600), whatever mode it was created with. */
    public static void makePrivate(Path file) throws IOException {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-------");
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (!view.readAttributes().permissions().equals(perms)) {
            view.setPermissions(perms);
        }
    }
}
