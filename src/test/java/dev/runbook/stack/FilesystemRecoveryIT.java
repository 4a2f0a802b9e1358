package dev.runbook.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * filesystem-recovery on a real data directory with wrong owners and modes, a corrupt .usd file
 * among sound text and binary ones, a backup, and a real ext4 filesystem image for fsck -n.
 */
class FilesystemRecoveryIT {
    private static final String USER = "nobody";
    private static final byte[] BACKUP_COPY = "#usda 1.0\n(\n    doc = \"from the backup\"\n)\n\ndef Xform \"Shot\" {\n}\n"
            .getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    Path data;
    Path broken;
    byte[] brokenBytes;
    Path inventory;
    Cli cli;

    @BeforeEach
    void aDataDirectoryInBadShape() throws IOException {
        data = dir.resolve("data");
        Path shots = Files.createDirectories(data.resolve("projects/shots"));
        Files.writeString(shots.resolve("good.usd"), "#usda 1.0\n\ndef Xform \"World\" {\n}\n");
        Files.write(shots.resolve("crate.usd"), crate());
        broken = shots.resolve("broken.usd");
        brokenBytes = new byte[512];
        new Random(7).nextBytes(brokenBytes);
        Files.write(broken, brokenBytes);
        Files.writeString(data.resolve("projects/notes.txt"), "render farm notes\n");
        Files.setPosixFilePermissions(data.resolve("projects"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(shots, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(shots.resolve("good.usd"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data.resolve("projects/notes.txt"), PosixFilePermissions.fromString("rw-------"));

        Path backup = Files.createDirectories(dir.resolve("backup/projects/shots"));
        Files.write(backup.resolve("broken.usd"), BACKUP_COPY);
        Files.writeString(backup.resolve("good.usd"), "#usda 1.0\n\ndef Xform \"Old version\" {\n}\n");

        Path image = dir.resolve("data.img");
        Cli.Result mkfs = exec("/sbin/mkfs.ext4", "-q", "-F", image.toString(), "4M");
        assertThat(mkfs.exitCode()).as(mkfs.toString()).isZero();

        inventory = new StackInventory()
                .var("nucleus_data", data.toString()).var("nucleus_backup", dir.resolve("backup").toString())
                .var("nucleus_user", USER).var("nucleus_group", group())
                .var("data_device", image.toString())
                .write(dir.resolve("inventory.yaml"));
        cli = StackInventory.cli(dir);
    }

    @Test
    void fixesOwnersAndModesAndListsTheCorruptFileButRestoresNothingWithoutTheTypedWord() throws IOException {
        Cli.Result r = cli.run("run", "filesystem-recovery", "-i", inventory.toString(), "--approve", "permissions");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.output()).contains("clean").contains("corrupt .usd files found: projects/shots/broken.usd")
                .contains("restored from backup: no (not confirmed)").contains("Use%");
        assertThat(Files.readAllBytes(broken)).isEqualTo(brokenBytes);
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.denied")).singleElement()
                .satisfies(e -> assertThat(e.path("step").asText()).isEqualTo("restore-corrupt"));
        String group = group();
        try (Stream<Path> all = Files.walk(data)) {
            for (Path p : all.toList()) {
                assertThat(owner(p)).as("owner of %s", p).isEqualTo(USER);
                assertThat(groupOf(p).getName()).as("group of %s", p).isEqualTo(group);
                assertThat(mode(p)).as("mode of %s", p).isEqualTo(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--");
            }
        }
    }

    @Test
    void aWrongWordRestoresNothing() throws IOException {
        Cli.Result r = typeAtTheRestoreGate("yes", "yes", "yes");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.output()).contains("did not match, 1 try left").contains("the typed word did not match in 3 tries");
        assertThat(Files.readAllBytes(broken)).isEqualTo(brokenBytes);
    }

    @Test
    void restoresOnlyTheCorruptFileOnceTheHostNameIsTyped() throws IOException {
        Path good = broken.resolveSibling("good.usd");
        String goodBefore = Files.readString(good);
        byte[] crateBefore = Files.readAllBytes(broken.resolveSibling("crate.usd"));

        Cli.Result r = typeAtTheRestoreGate(StackInventory.HOST);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Files.readAllBytes(broken)).isEqualTo(BACKUP_COPY);
        assertThat(owner(broken)).isEqualTo(USER);
        assertThat(mode(broken)).isEqualTo("rw-r--r--");
        assertThat(Files.readString(good)).as("a sound file newer than its backup copy").isEqualTo(goodBefore);
        assertThat(Files.readAllBytes(broken.resolveSibling("crate.usd"))).as("a binary USD crate is not corrupt").isEqualTo(crateBefore);
        assertThat(r.output()).contains("restored from backup: yes").contains("corrupt .usd files left: none");
    }

    @Test
    void theGateListsOnlyTheCorruptFilesThatHaveAGoodCopyAndRestoresThose() throws IOException {
        Path orphan = broken.resolveSibling("orphan.usd");
        Files.write(orphan, new byte[] {1, 2, 3});

        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", "filesystem-recovery", "-i", inventory.toString(),
                "--approve", "permissions")) {
            run.awaitOutput("type " + StackInventory.HOST + " to proceed");
            assertThat(run.stdout()).contains("1 of the 2 corrupt .usd files").contains("have a good copy")
                    .contains("projects/shots/broken.usd. Overwrite them with those copies?")
                    .doesNotContain("orphan.usd. Overwrite");
            run.type(StackInventory.HOST + "\n");
            r = run.await();
        }

        // the file without a good copy is still corrupt, and the run says so by failing
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).contains("corrupt .usd files left: projects/shots/orphan.usd");
        assertThat(Files.readAllBytes(broken)).isEqualTo(BACKUP_COPY);
        assertThat(Files.readAllBytes(orphan)).containsExactly(1, 2, 3);
        assertThat(r.output()).contains("no good copy of projects/shots/orphan.usd in the backup")
                .doesNotContain("cannot open");
    }

    /** Types each word at the restore gate (it asks up to three times). */
    private Cli.Result typeAtTheRestoreGate(String... words) {
        try (Cli.Running run = cli.startOnTerminal("run", "filesystem-recovery", "-i", inventory.toString(),
                "--approve", "permissions")) {
            run.awaitOutput("type " + StackInventory.HOST + " to proceed");
            run.type(String.join("\n", words) + "\n");
            return run.await();
        }
    }

    /** The start of a binary USD crate file: its magic, then binary data with NUL bytes. */
    private static byte[] crate() {
        byte[] b = new byte[256];
        new Random(3).nextBytes(b);
        System.arraycopy("PXR-USDC".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 8);
        b[8] = 0;
        return b;
    }

    private static String owner(Path p) throws IOException {
        UserPrincipal u = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS);
        return u.getName();
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** nobody's primary group: nogroup on Debian, nobody elsewhere. */
    private static String group() {
        Cli.Result r = exec("id", "-gn", USER);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.stdout().strip();
    }

    private static Cli.Result exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Cli.Result(p.waitFor(), out, "");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static GroupPrincipal groupOf(Path p) throws IOException {
        return Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes().group();
    }
}
