package dev.runbook.model;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The user this process runs as, from its uid, as {@code id -un} says: who the audit trail and
 * the run locks name, and whose the state directory must be. Not the JVM's {@code user.name},
 * which {@code RUNBOOK_JAVA_OPTS=-Duser.name=...} overrides.
 *
 * @param name the login name; {@code #UID} when the uid has none (a container's arbitrary uid)
 */
public record LocalUser(long uid, String name) {
    private static volatile LocalUser current;

    /** Looked up once per process. */
    public static LocalUser current() {
        LocalUser me = current;
        if (me == null) {
            me = lookUp();
            current = me;
        }
        return me;
    }

    private static LocalUser lookUp() {
        UnixSystem system = new UnixSystem();
        String name = system.getUsername();
        if (name != null && !name.isEmpty()) {
            return new LocalUser(system.getUid(), name);
        }
        // no passwd entry: UnixSystem then leaves its uid at 0, so the file system says who we are
        try {
            long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
            return new LocalUser(uid, "#" + uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return new LocalUser(-1, "#?");
        }
    }

    /**
     * Who logged in to start this process, when the kernel keeps it ({@code /proc/self/loginuid},
     * set at login by pam_loginuid and kept through sudo and su, which no unprivileged process can
     * change): the name behind "alice (as root)", this user's own when it is the same uid. Null
     * when the kernel keeps none (a container, a daemon started by init).
     */
    public static String loginName() {
        long login;
        try {
            login = Long.parseLong(Files.readString(Path.of("/proc/self/loginuid")).strip());
        } catch (IOException | NumberFormatException | UnsupportedOperationException e) {
            return null;
        }
        if (login == 4294967295L || login < 0) {
            return null;
        }
        if (login == current().uid()) {
            return current().name();
        }
        try (var lines = Files.lines(Path.of("/etc/passwd"))) {
            return lines.map(l -> l.split(":", -1)).filter(f -> f.length > 2 && f[2].equals(Long.toString(login)))
                    .map(f -> f[0]).findFirst().orElse("#" + login);
        } catch (IOException | java.io.UncheckedIOException e) {
            return "#" + login;
        }
    }

    /** Whether a file of {@code owner} may hold this user's state: it is this user's, or root's. */
    public boolean trusts(long owner) {
        return owner == uid || owner == 0;
    }
}
