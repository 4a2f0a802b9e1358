package dev.runbook.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A throwaway {@code ssh-agent -D} on its own socket, stopped by {@link #close()}. */
public final class SshAgent implements AutoCloseable {
    private final Path socket;
    private final Process process;

    private SshAgent(Path socket, Process process) {
        this.socket = socket;
        this.process = process;
    }

    public static SshAgent start(Path socket) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100 && !Files.exists(socket); i++) {
            Thread.sleep(20);
        }
        return new SshAgent(socket, p);
    }

    /** The value for {@code SSH_AUTH_SOCK}. */
    public String socket() {
        return socket.toString();
    }

    /** {@code ssh-add KEY}, which loads {@code KEY-cert.pub} too when it exists. */
    public void add(Path key) throws IOException, InterruptedException {
        ProcessBuilder add = new ProcessBuilder("ssh-add", key.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        add.environment().put("SSH_AUTH_SOCK", socket());
        if (add.start().waitFor() != 0) {
            throw new IOException("ssh-add " + key + " failed");
        }
    }

    @Override
    public void close() {
        process.destroy();
    }
}
