package dev.runbook.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * Hands a local {@code become} password to sudo only when sudo asks for it, and to nothing else.
 * sudo runs with {@code -A}: when it needs a password it runs {@code SUDO_ASKPASS}, a script of
 * ours, as the invoking user; the script reads one line from a FIFO beside it, in a directory only
 * that user may enter, and prints it to sudo. The password is written into the FIFO when a reader
 * opens it: when sudo does not ask (run as root, NOPASSWD, a cached timestamp) no one does, and the
 * password never leaves this process. The command's stdin is {@code /dev/null} either way. A second
 * ask (the password was wrong) reads end of file, so sudo gives up at once.
 */
final class SudoAskpass implements AutoCloseable {
    private final Path dir;
    private final Path fifo;
    private final Path script;
    private final byte[] line;
    private final Thread writer;
    private volatile boolean closed;

    private SudoAskpass(Path dir, String password) {
        this.dir = dir;
        this.fifo = dir.resolve("password");
        this.script = dir.resolve("askpass");
        this.line = (password + "\n").getBytes(StandardCharsets.UTF_8);
        this.writer = new Thread(this::serve, "become-askpass");
        writer.setDaemon(true);
    }

    /**
     * A private directory (under {@code tempDir}, or the system's when null) with the script and
     * the FIFO, served until {@link #close}.
     *
     * @throws IllegalArgumentException for a password with a line break, which sudo cannot read
     * @throws IOException when the directory, the script or the FIFO cannot be made
     */
    static SudoAskpass start(Path tempDir, String password) throws IOException {
        if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("the become password contains a line break, which sudo cannot read");
        }
        var perms = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        Path dir = tempDir == null ? Files.createTempDirectory("runbook-become-", perms)
                : Files.createTempDirectory(Files.createDirectories(tempDir, perms), "become-", perms);
        SudoAskpass a = new SudoAskpass(dir.toAbsolutePath(), password);
        try {
            a.make();
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
        a.writer.start();
        return a;
    }

    private void make() throws IOException {
        Process mkfifo = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).redirectErrorStream(true).start();
        try {
            if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
                throw new IOException("mkfifo failed: " + new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making the FIFO for sudo", e);
        }
        String quoted = "'" + fifo.toString().replace("'", "'\\''") + "'";
        Files.writeString(script, "#!/bin/sh\nIFS= read -r p <" + quoted + " || exit 1\nprintf '%s\\n' \"$p\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    /** The program for {@code SUDO_ASKPASS}. */
    Path script() {
        return script;
    }

    /** Opening the FIFO for writing waits for a reader: sudo's askpass, or {@link #close} setting the writer free. */
    private void serve() {
        boolean served = false;
        while (!closed) {
            // WRITE without CREATE: once the FIFO is gone, this fails rather than making a file
            try (OutputStream out = Files.newOutputStream(fifo, StandardOpenOption.WRITE)) {
                if (!closed && !served) {
                    out.write(line);
                    served = true;
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Stops serving (a writer waiting for a reader is let go) and deletes the directory. */
    @Override
    public void close() {
        closed = true;
        try {
            while (writer.isAlive()) {
                // a reader that reads nothing; opening a FIFO read-write never waits (Linux), read-only would
                try (RandomAccessFile release = new RandomAccessFile(fifo.toFile(), "rw")) {
                    // opened and closed
                } catch (IOException e) {
                    break;
                }
                writer.join(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Path p : new Path[] {script, fifo, dir}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a private directory: a leftover is harmless, and holds no password
            }
        }
    }
}
