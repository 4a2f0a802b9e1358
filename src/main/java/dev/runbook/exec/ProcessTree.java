package dev.runbook.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ends a command started with {@code setsid}: its process group first (which holds every
 * descendant that did not leave it), then any descendant still known to the JVM.
 */
public final class ProcessTree {
    /** The command that starts a program in a session (and process group) of its own. */
    public static final String SETSID = Files.isExecutable(Path.of("/usr/bin/setsid")) ? "/usr/bin/setsid" : "setsid";

    private ProcessTree() {}

    /** TERM to the group and the descendants, {@code graceMillis} to end, then KILL. */
    public static void kill(Process p, long graceMillis) {
        if (!p.isAlive()) {
            signalGroup(p.pid(), "KILL");
            return;
        }
        List<ProcessHandle> descendants = p.descendants().toList();
        signalGroup(p.pid(), "TERM");
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                signalGroup(p.pid(), "KILL");
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // children that ignored TERM, or the group after its leader exited
        signalGroup(p.pid(), "KILL");
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static void signalGroup(long pgid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            kill.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill(1): the descendants were signalled through ProcessHandle
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
