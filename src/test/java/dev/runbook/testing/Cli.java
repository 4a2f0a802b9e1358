package dev.runbook.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the {@code runbook} CLI the way a user meets it: a separate JVM, its own working
 * directory, environment and state directory ({@code RUNBOOK_STATE}), optional stdin, a timeout.
 * {@link #start} leaves it running (to signal or kill it); {@link #startOnTerminal} runs it under a
 * pseudo-terminal (util-linux {@code script}) so that gates ask, and answers can be typed.
 *
 * <p>Every instance is immutable; the {@code with...} methods return changed copies.
 */
public final class Cli {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-XX:-UsePerfData");

    private final Path workDir;
    private final Path state;
    private final Map<String, String> env;
    private final Duration timeout;
    private final Path userHome;
    private final String user;

    private Cli(Path workDir, Path state, Map<String, String> env, Duration timeout, Path userHome, String user) {
        this.workDir = workDir;
        this.state = state;
        this.env = Map.copyOf(env);
        this.timeout = timeout;
        this.userHome = userHome;
        this.user = user;
    }

    /**
     * A CLI working in {@code home}, with its state in {@code home/state} (not created here: the
     * tool creates it, so its mode is the tool's doing).
     */
    public static Cli in(Path home) {
        return new Cli(home, home.resolve("state"), Map.of(), DEFAULT_TIMEOUT, null, null);
    }

    public Cli withEnv(String name, String value) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put(name, value);
        return new Cli(workDir, state, e, timeout, userHome, user);
    }

    public Cli withTimeout(Duration t) {
        return new Cli(workDir, state, env, t, userHome, user);
    }

    public Cli withWorkDir(Path dir) {
        return new Cli(dir, state, env, timeout, userHome, user);
    }

    /** The JVM's user.home, where ~/.ssh/config and ~/.ssh/known_hosts are read; by default the real one. */
    public Cli withUserHome(Path home) {
        return new Cli(workDir, state, env, timeout, home, user);
    }

    /**
     * The CLI as another local user: from the built jar (target/runbook.jar, which the integration
     * tests run after), under {@code setpriv} with that user's uid, gid and groups. The tests run as
     * root; a test JVM that is not root can only be itself, and runs the CLI as it is.
     */
    public Cli asUser(String name) {
        return new Cli(workDir, state, env, timeout, userHome, name);
    }

    public Path state() {
        return state;
    }

    public Path auditFile() {
        return state.resolve("audit.jsonl");
    }

    public Path workDir() {
        return workDir;
    }

    /** A runbook under {@code src/test/resources/e2e/}, as an absolute path string. */
    public static String e2e(String name) {
        URL url = Cli.class.getClassLoader().getResource("e2e/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no test runbook e2e/" + name);
        }
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs to the end with no input (stdin at end of file). */
    public Result run(String... args) {
        return runWithInput("", args);
    }

    public Result runWithInput(String stdin, String... args) {
        try (Running r = start(args)) {
            r.type(stdin);
            r.closeInput();
            return r.await();
        }
    }

    /** Starts the CLI with stdout and stderr as pipes (no terminal); stdin stays open until {@link Running#closeInput}. */
    public Running start(String... args) {
        return launch(command(args), false);
    }

    /**
     * Starts the CLI on a pseudo-terminal: {@code script -qfec CMD /dev/null}. Its stdin goes to the
     * terminal (type answers with {@link Running#type}); stdout and stderr both arrive on stdout,
     * with the terminal's echo of what was typed.
     */
    public Running startOnTerminal(String... args) {
        String line = command(args).stream().map(Cli::shellQuote).collect(Collectors.joining(" "));
        return launch(List.of("script", "-qfec", line, "/dev/null"), true);
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        if (sigintIgnored()) {
            // A JVM started with SIGINT ignored cannot handle it; a user's shell would not do that.
            cmd.addAll(List.of("perl", "-e", "$SIG{INT}='DEFAULT'; exec @ARGV or die \"exec: $!\""));
        }
        if (user != null && isRoot()) {
            cmd.addAll(setpriv(user));
            cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                    "-cp", Path.of("target", "runbook.jar").toAbsolutePath().toString()));
        } else {
            cmd.addAll(java());
            Path archive = SharedArchive.get();
            if (archive != null) {
                cmd.add("-XX:SharedArchiveFile=" + archive);
            }
        }
        if (userHome != null) {
            cmd.add("-Duser.home=" + userHome);
        }
        cmd.add("dev.runbook.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static boolean isRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code setpriv} to become {@code user}: util-linux, which .ci/run installs; a skip would hide the case. */
    private static List<String> setpriv(String user) {
        Path setpriv = Nobody.setpriv();
        String gid = Processes.exec(List.of("id", "-g", user)).stdout().strip();
        if (gid.isEmpty()) {
            throw new AssertionError("no user " + user);
        }
        return List.of(setpriv.toString(), "--reuid=" + user, "--regid=" + gid, "--init-groups");
    }

    /** {@code java} with the options and classpath every CLI process gets. */
    static List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(classPath());
        return cmd;
    }

    private Running launch(List<String> cmd, boolean terminal) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("RUNBOOK_") || k.equals("XDG_STATE_HOME") || k.equals("NO_COLOR"));
        e.put("RUNBOOK_STATE", state.toString());
        if (terminal) {
            e.put("TERM", "dumb");
            e.put("NO_COLOR", "1");
        }
        e.putAll(env);
        try {
            return new Running(pb.start(), terminal, timeout);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot start " + cmd, ex);
        }
    }

    /**
     * The test JVM's own classpath (surefire/failsafe put the real one in surefire.test.class.path),
     * without the test classes: the CLI does not need them, and leaving that directory out lets the
     * JVM share classes from an archive when everything else is a jar.
     */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return java.util.Arrays.stream(cp.split(java.io.File.pathSeparator))
                .filter(e -> !e.isBlank() && !Path.of(e).endsWith("test-classes"))
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private static boolean sigintIgnored() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(l.substring(7).strip(), 16) & (1L << 1)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: assume a normal disposition
        }
        return false;
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** How a run ended, as a user sees it. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** stdout and stderr together, without terminal escape sequences. */
        public String output() {
            return Ansi.strip(stdout + stderr);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /** A CLI process still running. Closing it kills whatever is left of it. */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final boolean terminal;
        private final Duration timeout;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final Thread outPump;
        private final Thread errPump;
        private final OutputStream stdin;

        Running(Process process, boolean terminal, Duration timeout) {
            this.process = process;
            this.terminal = terminal;
            this.timeout = timeout;
            this.outPump = pump(process.getInputStream(), out);
            this.errPump = pump(process.getErrorStream(), err);
            this.stdin = process.getOutputStream();
        }

        private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        synchronized (sink) {
                            sink.write(buf, 0, n);
                            sink.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // the process went away
                }
            }, "cli-output");
            t.setDaemon(true);
            t.start();
            return t;
        }

        public String stdout() {
            synchronized (out) {
                return out.toString(StandardCharsets.UTF_8);
            }
        }

        public String stderr() {
            synchronized (err) {
                return err.toString(StandardCharsets.UTF_8);
            }
        }

        /** Waits until stdout (on a terminal: everything shown) contains {@code text}; fails after the timeout. */
        public Running awaitOutput(String text) {
            return awaitOutput(text, timeout);
        }

        public Running awaitOutput(String text, Duration within) {
            long end = System.nanoTime() + within.toNanos();
            synchronized (out) {
                while (!Ansi.strip(out.toString(StandardCharsets.UTF_8)).contains(text)) {
                    long left = (end - System.nanoTime()) / 1_000_000;
                    if (left <= 0 || (!process.isAlive() && !outPump.isAlive())) {
                        throw new AssertionError("no '" + text + "' in the output within " + within.toMillis() + " ms"
                                + (process.isAlive() ? "" : " (the process exited)") + "\n--- stdout ---\n" + stdout()
                                + "\n--- stderr ---\n" + stderr());
                    }
                    try {
                        out.wait(Math.min(left, 50));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new AssertionError("interrupted", e);
                    }
                }
            }
            return this;
        }

        /** Types text on stdin (on a terminal: at the keyboard). */
        public Running type(String text) {
            if (text.isEmpty()) {
                return this;
            }
            try {
                stdin.write(text.getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write to the CLI's stdin", e);
            }
            return this;
        }

        public void closeInput() {
            try {
                stdin.close();
            } catch (IOException e) {
                // it exited already
            }
        }

        /** The pid of the runbook JVM itself (under {@code script}: the java process below it). */
        public long pid() {
            if (!terminal) {
                return process.pid();
            }
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                Optional<ProcessHandle> jvm = process.descendants()
                        .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
                        .findFirst();
                if (jvm.isPresent()) {
                    return jvm.get().pid();
                }
                sleep(20);
            }
            throw new AssertionError("no java process below script");
        }

        /** Sends a signal (INT, TERM, KILL...) to the runbook JVM. */
        public Running signal(String name) {
            Processes.signal(pid(), name);
            return this;
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** Waits for the end (within the timeout) and returns how it ended; kills it and fails on timeout. */
        public Result await() {
            return await(timeout);
        }

        public Result await(Duration within) {
            try {
                if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                    close();
                    throw new AssertionError("the CLI did not end within " + within.toMillis() + " ms\n--- stdout ---\n"
                            + stdout() + "\n--- stderr ---\n" + stderr());
                }
                outPump.join(5000);
                errPump.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            } finally {
                closeInput();
            }
            return new Result(process.exitValue(), stdout(), stderr());
        }

        @Override
        public void close() {
            closeInput();
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                try {
                    process.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
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
}
