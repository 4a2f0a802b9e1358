package dev.runbook.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs commands on this machine. Each command starts in a session of its own ({@code setsid}),
 * so that a timeout or Ctrl-C can end its whole process group: TERM, a grace period, then KILL.
 * Output is read by two threads per command; when the command has exited but a background
 * grandchild still holds the pipes, the step ends anyway after a short wait.
 */
public final class LocalRunner implements CommandRunner {
    /**
     * The environment variables that carry the tool's own credentials (the SSH key passphrase, the
     * audit store's and the daemon's database passwords): masked in every output, never passed on
     * to a local step's processes.
     */
    public static final java.util.List<String> TOOL_CREDENTIALS = java.util.List.of("RUNBOOK_SSH_KEY_PASSPHRASE",
            "RUNBOOK_AUDIT_PASSWORD", "RUNBOOK_DAEMON_JDBC_PASSWORD");

    static final long GRACE_MILLIS = 2000;
    private static final long DRAIN_MILLIS = 250;
    private static final ExecutorService PUMPS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "output-reader");
        t.setDaemon(true);
        return t;
    });

    private final Supplier<Path> tempDir;

    /** @param tempDir where script files and become's askpass are written (mode 0700, created when missing), or null for the system's */
    public LocalRunner(Path tempDir) {
        this.tempDir = tempDir == null ? null : () -> tempDir;
    }

    private LocalRunner(Supplier<Path> tempDir) {
        this.tempDir = tempDir;
    }

    /**
     * @param tempDir asked, at each script file, for the directory to write it in: one that the
     *                caller has made and checked (the state directory's {@code tmp/})
     */
    public static LocalRunner scriptsIn(Supplier<Path> tempDir) {
        return new LocalRunner(tempDir);
    }

    @Override
    public boolean local() {
        return true;
    }

    @Override
    public ExecResult run(Command command, OutputListener output, Cancellation cancel) {
        long start = System.nanoTime();
        Path scriptFile = null;
        SudoAskpass askpass = null;
        try {
            if (command.becomeUser() != null && command.becomePassword() != null) {
                askpass = SudoAskpass.start(tempDir == null ? null : tempDir.get(), command.becomePassword());
            }
            boolean become = command.becomeUser() != null;
            scriptFile = command.script() && !become ? writeScript(command.line()) : null;
            List<String> argv = argv(command, askpass != null, scriptFile);
            ProcessBuilder pb = new ProcessBuilder(argv);
            // the tool's own credentials are not the step's: a step sees its own secrets only
            pb.environment().keySet().removeAll(TOOL_CREDENTIALS);
            pb.environment().putAll(command.env());
            if (askpass != null) {
                pb.environment().put("SUDO_ASKPASS", askpass.script().toString());
            }
            // become or not, the command reads nothing of ours: the password reaches sudo through askpass alone,
            // and a become user's bootstrap hands the command /dev/null once it has read its program
            byte[] program = become ? BecomeProgram.of(command) : null;
            pb.redirectInput(become ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return new ExecResult(127, false, false, "", "cannot start " + argv.get(1) + ": " + e.getMessage(),
                        false, elapsed(start));
            }
            if (program != null) {
                PUMPS.execute(() -> feed(p, program));
            }
            return await(p, command, output, cancel, start);
        } catch (IOException e) {
            return new ExecResult(127, false, false, "", "cannot hand the become password to sudo: " + e.getMessage(),
                    false, elapsed(start));
        } finally {
            if (askpass != null) {
                askpass.close();
            }
            if (scriptFile != null) {
                try {
                    Files.deleteIfExists(scriptFile);
                } catch (IOException e) {
                    // the file sits in a private directory; a leftover is harmless but noted by no one
                }
            }
        }
    }

    /**
     * setsid, then the command: its words when it needs no shell, else the shell with {@code -c LINE}
     * or the script file. For a become user, sudo ({@code -n}: it never prompts; {@code -A} with a
     * password: it runs our askpass only if it needs one) runs {@link BecomeProgram}'s bootstrap,
     * which reads the command from stdin.
     */
    private static List<String> argv(Command command, boolean askpass, Path scriptFile) {
        List<String> argv = new ArrayList<>();
        argv.add(ProcessTree.SETSID);
        if (command.becomeUser() != null) {
            argv.addAll(List.of("sudo", askpass ? "-A" : "-n", "-p", "", "-u", command.becomeUser(), "--",
                    "/bin/sh", "-c", BecomeProgram.BOOTSTRAP));
            return argv;
        }
        List<String> direct = command.script() || command.shell() != null ? null : SimpleCommand.argv(command.line());
        if (direct != null) {
            argv.addAll(direct);
        } else {
            argv.add(command.shellOrDefault());
            if (scriptFile != null) {
                argv.add(scriptFile.toString());
            } else {
                argv.add("-c");
                argv.add(command.line());
            }
        }
        return argv;
    }

    /** Writes a become user's program to the bootstrap; sudo refusing (a wrong password) closes the pipe first. */
    private static void feed(Process p, byte[] program) {
        try (java.io.OutputStream in = p.getOutputStream()) {
            in.write(program);
        } catch (IOException e) {
            // sudo ended before its command read the program: its own message says why
        }
    }

    private ExecResult await(Process p, Command command, OutputListener output, Cancellation cancel, long start) {
        OutputCapture out = new OutputCapture(p.getInputStream(), OutputListener.Stream.STDOUT, output, OutputCapture.STDOUT_LIMIT);
        OutputCapture err = new OutputCapture(p.getErrorStream(), OutputListener.Stream.STDERR, output, OutputCapture.STDERR_LIMIT);
        PUMPS.execute(out);
        PUMPS.execute(err);
        boolean timedOut = false;
        try (Cancellation.Registration onCancel = cancel.onCancel(() -> ProcessTree.kill(p, GRACE_MILLIS))) {
            long timeoutMs = command.timeout() == null ? Long.MAX_VALUE : command.timeout().toMillis();
            if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                timedOut = true;
                ProcessTree.kill(p, GRACE_MILLIS);
            }
            p.waitFor();
            if (!out.await(DRAIN_MILLIS) | !err.await(DRAIN_MILLIS)) {
                out.detach();
                err.detach();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ProcessTree.kill(p, GRACE_MILLIS);
        } catch (RuntimeException e) {
            ProcessTree.kill(p, GRACE_MILLIS);
            throw e;
        }
        boolean cancelled = cancel.isCancelled() && !timedOut;
        int exit = p.isAlive() ? -1 : p.exitValue();
        return new ExecResult(timedOut || cancelled ? -1 : exit, timedOut, cancelled, out.text(), err.text(),
                out.truncated(), elapsed(start));
    }

    private Path writeScript(String body) {
        try {
            var perms = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            Path f = tempDir == null ? Files.createTempFile("runbook-", ".sh", perms)
                    : Files.createTempFile(Files.createDirectories(tempDir.get(), perms), "script-", ".sh", perms);
            Files.writeString(f, body.endsWith("\n") ? body : body + "\n");
            return f;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the script to a temporary file", e);
        }
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Override
    public void close() {
        // nothing held between commands
    }
}
