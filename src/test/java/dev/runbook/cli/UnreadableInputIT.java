package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import dev.runbook.testing.Nobody;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and directories the user may not read: one line naming each, exit 2, and validate goes on
 * with the rest. The tests run as root, who reads everything: there the CLI runs as nobody
 * ({@link Cli#asUser}), from the built jar.
 */
class UnreadableInputIT {
    @TempDir
    Path home;

    @BeforeEach
    void setUp() throws IOException {
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void auditVerifyOfAFileItMayNotReadSaysSo() throws Exception {
        Path trail = home.resolve("audit.jsonl");
        Files.writeString(trail, "{}\n");
        Files.setPosixFilePermissions(trail, PosixFilePermissions.fromString("---------"));

        Cli.Result r = asAnotherUser("audit", "verify", trail.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly(trail + ": error: cannot read: permission denied");
    }

    @Test
    void validateOfADirectoryWithAnUnreadableSubdirectoryNamesItAndValidatesTheRest() throws Exception {
        Path dir = Files.createDirectories(home.resolve("runbooks"));
        Path ok = Files.createDirectories(dir.resolve("ok"));
        Path secret = Files.createDirectories(dir.resolve("secret"));
        Files.copy(Path.of(e2e("succeeds.yaml")), ok.resolve("succeeds.yaml"));
        Files.copy(Path.of(e2e("invalid.yaml")), dir.resolve("invalid.yaml"));
        Files.copy(Path.of(e2e("succeeds.yaml")), secret.resolve("hidden.yaml"));
        for (Path p : List.of(dir, ok)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (Path p : List.of(ok.resolve("succeeds.yaml"), dir.resolve("invalid.yaml"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));

        Cli.Result r = asAnotherUser("validate", "runbooks");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("runbooks/secret: error: cannot read: permission denied")
                .contains("invalid.yaml:10:5: error: unknown key 'tiemout'")
                .doesNotContain("AccessDeniedException").doesNotContain("runbook: error:");
        assertThat(r.stdout()).contains("1 of 2 runbooks valid").contains("1 unreadable directory");
    }

    @Test
    void validateOfADirectoryChecksLinksAsFilesAndNamesThoseThatLeadNowhere() throws Exception {
        Path dir = Files.createDirectories(home.resolve("links"));
        Path shared = Files.createDirectories(home.resolve("shared"));
        Files.copy(Path.of(e2e("succeeds.yaml")), shared.resolve("succeeds.yaml"));
        Files.createSymbolicLink(dir.resolve("linked.yaml"), shared.resolve("succeeds.yaml"));
        Files.createSymbolicLink(dir.resolve("dangling.yaml"), dir.resolve("gone.yaml"));
        Files.createSymbolicLink(dir.resolve("loop-a.yaml"), dir.resolve("loop-b.yaml"));
        Files.createSymbolicLink(dir.resolve("loop-b.yaml"), dir.resolve("loop-a.yaml"));

        Cli.Result r = Cli.in(home).run("validate", "links");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly("links/dangling.yaml: error: cannot read: no such file",
                "links/loop-a.yaml: error: cannot read: symbolic links in a loop",
                "links/loop-b.yaml: error: cannot read: symbolic links in a loop");
        assertThat(r.stdout()).contains("1 of 4 runbooks valid");
    }

    @Test
    void aRunbookPathEntryItMayNotReadIsNamedNotPassedOverInSilence() throws Exception {
        Path shared = Files.createDirectories(home.resolve("shared"));
        Files.copy(Path.of(e2e("succeeds.yaml")), shared.resolve("succeeds.yaml"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwx------"));

        Cli.Result list = asAnotherUser(Map.of("RUNBOOK_PATH", shared.toString()), "list");
        Cli.Result run = asAnotherUser(Map.of("RUNBOOK_PATH", shared.toString()), "run", "succeeds");

        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stderr().lines()).containsExactly(
                "runbook: warning: RUNBOOK_PATH entry " + shared + " cannot be read: permission denied; skipped");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.stderr()).contains("skipped: RUNBOOK_PATH entry " + shared + " cannot be read: permission denied");
    }

    private Cli.Result asAnotherUser(String... args) {
        return asAnotherUser(Map.of(), args);
    }

    /** The CLI as a user who is not root, in {@code home}: this user when not root, else nobody. */
    private Cli.Result asAnotherUser(Map<String, String> env, String... args) {
        Cli cli = Cli.in(home).asUser("nobody");
        for (Map.Entry<String, String> e : env.entrySet()) {
            cli = cli.withEnv(e.getKey(), e.getValue());
        }
        return cli.run(args);
    }
}
