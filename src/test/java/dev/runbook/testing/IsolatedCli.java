package dev.runbook.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the CLI as {@link Cli} does, but in a network namespace of its own ({@code unshare --net}):
 * for runbooks that change kernel network settings, so that a test can let them try for real.
 * In a fresh namespace the kernel refuses writes to the global {@code net.core.*} settings and
 * keeps {@code net.ipv4.tcp_*} ones to that namespace: nothing outside the test changes. The
 * namespace has no network of its own: nothing in it reaches the test's loopback servers.
 */
public final class IsolatedCli {
    private IsolatedCli() {}

    /** Whether this machine lets us make a network namespace (root, or the capability, and util-linux). */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("unshare", "--net", "true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs to the end with stdin at end of file; the working directory's {@code state} holds its state. */
    public static Cli.Result run(Path workDir, Map<String, String> env, Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--net"));
        cmd.addAll(Cli.java());
        cmd.add("dev.runbook.cli.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("RUNBOOK_") || k.equals("XDG_STATE_HOME"));
        pb.environment().put("RUNBOOK_STATE", workDir.resolve("state").toString());
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("the isolated CLI did not end within " + timeout.toMillis() + " ms");
            }
            return new Cli.Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** On a thread of its own: the common pool may have one thread, and two blocked drains would deadlock. */
    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try {
                in.transferTo(b);
            } catch (IOException e) {
                // the process went away
            }
            f.complete(b.toString(StandardCharsets.UTF_8));
        }, "isolated-cli-output");
        t.setDaemon(true);
        t.start();
        return f;
    }
}
