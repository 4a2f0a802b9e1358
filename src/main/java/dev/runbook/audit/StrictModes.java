package dev.runbook.audit;

import dev.runbook.model.InvalidInputException;
import dev.runbook.model.LocalUser;
import dev.runbook.model.SourcePos;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenSSH's StrictModes, for the state directory: no other user may change what a path leads to.
 * A directory on the way to it must be this user's or root's, and writable by no one else unless
 * it is sticky (as /tmp is: there only the owner of an entry may replace it, and the next entry's
 * owner is checked); a symbolic link on the way must be this user's or root's. Inside the state
 * directory no link is followed: a file is created new, or opened as the regular file of this
 * user's that it is. A problem is refused as invalid input (exit 2), naming the path at fault.
 */
public final class StrictModes {
    private static final int TYPE = 0170000;
    private static final int DIRECTORY = 0040000;
    private static final int LINK = 0120000;
    private static final int REGULAR = 0100000;
    private static final int STICKY = 01000;
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private StrictModes() {}

    /** A path as {@code lstat} sees it. */
    record Entry(Path path, int mode, long uid) {
        boolean directory() {
            return (mode & TYPE) == DIRECTORY;
        }

        boolean link() {
            return (mode & TYPE) == LINK;
        }

        boolean regular() {
            return (mode & TYPE) == REGULAR;
        }

        boolean sticky() {
            return (mode & STICKY) != 0;
        }

        boolean writableByOthers() {
            return (mode & GROUP_OR_OTHERS_WRITE) != 0;
        }

        /** As ls shows it: {@code rwxrwxrwt}. */
        String perms() {
            StringBuilder b = new StringBuilder();
            for (int shift = 6; shift >= 0; shift -= 3) {
                b.append((mode >> shift & 4) != 0 ? 'r' : '-').append((mode >> shift & 2) != 0 ? 'w' : '-')
                        .append((mode >> shift & 1) != 0 ? 'x' : '-');
            }
            if (sticky()) {
                b.setCharAt(8, (mode & 1) != 0 ? 't' : 'T');
            }
            return b.toString();
        }

        /** The owner's name, for messages: a lookup, so only on the way to a refusal. */
        String owner() {
            try {
                return Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
            } catch (IOException e) {
                return "uid " + uid;
            }
        }
    }

    /** The entry at {@code path}, not following a link; null when there is none. */
    static Entry lstat(Path path) throws IOException {
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
            return new Entry(path, (Integer) a.get("mode"), ((Number) a.get("uid")).longValue());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Follows {@code dir} from {@code /} one name at a time, as the kernel does, and checks every
     * directory and link on the way; the last directory's own mode is left to the caller.
     *
     * @param what names {@code dir} in messages ("the state directory")
     * @return the directory itself, at its real path; null when it is missing (the rest is then
     *         made by this user under a directory that passed), or something on the way is no
     *         directory (making it then fails, and says so)
     * @throws InvalidInputException naming the path no other user may control, and does
     */
    static Entry walk(Path dir, String what, LocalUser me) throws IOException {
        Deque<String> names = new ArrayDeque<>(names(dir));
        Entry at = passable(lstat(dir.getRoot()), what, dir, me, true);
        int links = 0;
        while (!names.isEmpty()) {
            String name = names.pop();
            if (name.equals("..") && at.path().getParent() != null) {
                at = passable(lstat(at.path().getParent()), what, dir, me, !names.isEmpty());
            }
            if (name.equals(".") || name.equals("..")) {
                continue;
            }
            Entry next = lstat(at.path().resolve(name));
            if (next == null || !(next.link() || next.directory())) {
                return null;  // nothing another user could redirect: creating it says why it cannot be (not a directory)
            }
            if (next.link() && ++links > 40) {
                throw refused(dir, what + " is reached through too many symbolic links");
            }
            at = next.link() ? follow(next, names, at, what, dir, me) : passable(next, what, dir, me, !names.isEmpty());
        }
        return at;
    }

    /** A link on the way, when this user's or root's: the names of its target go first, from / when it is absolute. */
    private static Entry follow(Entry link, Deque<String> names, Entry at, String what, Path dir, LocalUser me) throws IOException {
        if (!me.trusts(link.uid())) {
            throw refused(link.path(), what + " " + dir + " is reached through a symbolic link that belongs to " + link.owner()
                    + ", who could point it elsewhere; keep state where only you and root can change it (RUNBOOK_STATE)");
        }
        Path target = Files.readSymbolicLink(link.path());
        List<String> ahead = names(target);
        for (int i = ahead.size() - 1; i >= 0; i--) {
            names.push(ahead.get(i));
        }
        return target.isAbsolute() ? passable(lstat(target.getRoot()), what, dir, me, true) : at;
    }

    private static List<String> names(Path p) {
        List<String> names = new ArrayList<>();
        p.forEach(n -> names.add(n.toString()));
        return names;
    }

    /** A directory on the way to {@code dir} ({@code above}), or {@code dir} itself, whose mode is not checked here. */
    private static Entry passable(Entry e, String what, Path dir, LocalUser me, boolean above) {
        if (!above) {
            return e;
        }
        if (!me.trusts(e.uid())) {
            throw refused(e.path(), what + " " + dir + " is under a directory that belongs to " + e.owner() + " (" + e.perms()
                    + "), who could replace it; keep state under directories of yours or root's (RUNBOOK_STATE)");
        }
        if (e.writableByOthers() && !e.sticky()) {
            throw refused(e.path(), what + " " + dir + " is under a directory that others may write to (owner " + e.owner() + ", " + e.perms()
                    + "), so another user could replace it; chmod go-w " + e.path() + ", or keep state elsewhere (RUNBOOK_STATE)");
        }
        return e;
    }

    /**
     * Checks an entry inside the state directory: none, or a regular file (a directory when
     * {@code directory}) of this user's or root's. Never a link: runbook follows none there.
     *
     * @return the entry; null when there is none
     */
    static Entry inside(Path path, boolean directory, LocalUser me) throws IOException {
        Entry e = lstat(path);
        if (e == null) {
            return null;
        }
        if (e.link()) {
            throw refused(path, "a symbolic link (to " + Files.readSymbolicLink(path) + ") in the state directory, which runbook"
                    + " does not follow: another user may have planted it; remove it");
        }
        if (directory ? !e.directory() : !e.regular()) {
            throw refused(path, "in the state directory, not a " + (directory ? "directory" : "regular file") + ": remove it");
        }
        if (!me.trusts(e.uid())) {
            throw refused(path, "belongs to " + e.owner() + " (" + e.perms() + "), not to " + me.name()
                    + ": runbook writes only its own files in the state directory; remove it");
        }
        return e;
    }

    /**
     * Opens a file of the state directory to write it, never through a link: created private
     * (0600) when missing, else opened when it is a regular file of this user's or root's.
     *
     * @param options READ, APPEND...; WRITE is added
     * @throws InvalidInputException a link or another user's file is there
     */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> existing = new java.util.HashSet<>(List.of(options));
        existing.add(StandardOpenOption.WRITE);
        existing.add(LinkOption.NOFOLLOW_LINKS);
        Set<OpenOption> fresh = new java.util.HashSet<>(existing);
        fresh.add(StandardOpenOption.CREATE_NEW);
        try {
            return FileChannel.open(file, fresh, PRIVATE);
        } catch (FileAlreadyExistsException e) {
            return openExisting(file, existing);
        }
    }

    /** Opens a file of the state directory that exists, never through a link (as {@link #open}, without creating it). */
    public static FileChannel openExisting(Path file, Set<? extends OpenOption> options) throws IOException {
        inside(file, false, LocalUser.current());
        Set<OpenOption> opts = new java.util.HashSet<>(options);
        opts.add(LinkOption.NOFOLLOW_LINKS);
        try {
            return FileChannel.open(file, opts);
        } catch (java.nio.file.FileSystemException e) {
            inside(file, false, LocalUser.current());  // made a link meanwhile: refused as such
            throw e;
        }
    }

    static InvalidInputException refused(Path path, String message) {
        return new InvalidInputException(new SourcePos(path.toString(), 0, 0), message);
    }
}
