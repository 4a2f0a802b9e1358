package dev.runbook.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Processes as a user's tools see them: {@code kill}, {@code pgrep -f}. */
public final class Processes {
    private Processes() {}

    /**
     * A copy of {@code sleep} in {@code dir} whose name holds a unique marker, so that
     * {@code pgrep -f} finds every process a test's step started with it, grandchildren included.
     */
    public static Path sleeper(Path dir) {
        Path sleep = Stream.of("/usr/bin/sleep", "/bin/sleep").map(Path::of).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("no sleep(1)"));
        Path copy = dir.resolve("sleeper-" + UUID.randomUUID());
        try {
            Files.copy(sleep, copy, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code kill -NAME pid}. */
    public static void signal(long pid, String name) {
        int rc = exec(List.of("kill", "-s", name, Long.toString(pid))).exitCode();
        if (rc != 0) {
            throw new AssertionError("kill -s " + name + " " + pid + " failed with exit " + rc);
        }
    }

    /** The pids of processes whose command line contains {@code marker} ({@code pgrep -f}). */
    public static List<Long> matching(String marker) {
        Cli.Result r = exec(List.of("pgrep", "-f", "--", marker));
        return r.stdout().lines().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.strip()))
                .filter(pid -> pid != ProcessHandle.current().pid()).toList();
    }

    /** Waits until no process matches {@code marker}; returns the pids still there after {@code within}. */
    public static List<Long> awaitGone(String marker, Duration within) {
        long end = System.nanoTime() + within.toNanos();
        List<Long> left = matching(marker);
        while (!left.isEmpty() && System.nanoTime() < end) {
            sleep(50);
            left = matching(marker);
        }
        return left;
    }

    /** Polls {@code condition} every 20 ms; true when it held within {@code within}. */
    public static boolean eventually(Duration within, BooleanSupplier condition) {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            sleep(20);
        }
        return condition.getAsBoolean();
    }

    /**
     * SIGKILL to a process and then to every process it had started, as a crash: the main process
     * first, so that it cannot replace a child killed before it (a master respawning a worker);
     * returns once all are gone.
     */
    public static void crash(ProcessHandle main) {
        List<ProcessHandle> children = main.descendants().toList();
        main.destroyForcibly();
        main.onExit().join();
        children.forEach(ProcessHandle::destroyForcibly);
        children.forEach(p -> p.onExit().join());
    }

    /** Kills every process matching {@code marker}: cleanup after a test that found some left. */
    public static void killAll(String marker) {
        for (long pid : matching(marker)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    public static Cli.Result exec(List<String> cmd) {
        return exec(cmd, null);
    }

    /** Runs {@code cmd} in {@code dir} (null: this process's directory), stdin empty; at most 10 s. */
    public static Cli.Result exec(List<String> cmd, Path dir) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir == null ? null : dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(cmd + " did not end");
            }
            return new Cli.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
