package dev.runbook.exec.ssh;

import dev.runbook.testing.Sshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/** A home directory for the client side of a test: its own ~/.ssh, never the real one, no agent. */
final class TestHome {
    final Path dir;

    TestHome(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(ssh());
        Files.setPosixFilePermissions(ssh(), PosixFilePermissions.fromString("rwx------"));
    }

    Path ssh() {
        return dir.resolve(".ssh");
    }

    Path knownHosts() {
        return ssh().resolve("known_hosts");
    }

    /** Lists each server's host key in ~/.ssh/known_hosts. */
    TestHome trust(Sshd... servers) throws IOException {
        for (Sshd s : servers) {
            s.trustIn(knownHosts());
        }
        return this;
    }

    TestHome config(String text) throws IOException {
        Files.writeString(ssh().resolve("config"), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return this;
    }

    SshSettings settings() {
        return SshSettings.isolated(dir).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), 3);
    }

    SshConnector connector() {
        return new SshConnector(settings());
    }
}
