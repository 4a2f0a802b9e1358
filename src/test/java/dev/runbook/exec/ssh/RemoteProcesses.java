package dev.runbook.exec.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The process table of the "remote" side, which in these tests is this machine. */
final class RemoteProcesses {
    private RemoteProcesses() {}

    /** Command lines of processes whose full command line contains {@code text} (pgrep -f). */
    static List<String> matching(String text) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pgrep", "-a", "-f", "--", text).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Waits up to {@code millis} for no process to match; returns what still matches. */
    static List<String> awaitNone(String text, long millis) throws IOException, InterruptedException {
        long end = System.currentTimeMillis() + millis;
        List<String> left = matching(text);
        while (!left.isEmpty() && System.currentTimeMillis() < end) {
            Thread.sleep(50);
            left = matching(text);
        }
        return left;
    }

    /** Every command line on this machine, as ps shows them to any user. */
    static String all() throws IOException {
        Process p = new ProcessBuilder("ps", "-eo", "args").redirectErrorStream(true).start();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
