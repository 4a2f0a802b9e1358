package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state directory holds the private audit trail: a run keeps it private, or says it is not. */
class StateDirIT {
    @TempDir
    Path home;

    private String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aStateDirectoryOfOursOpenToOthersIsMadePrivateAndTheRunSaysSoOnce() throws IOException {
        Cli cli = Cli.in(home);
        Files.createDirectory(cli.state(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(cli.state(), PosixFilePermissions.fromString("rwxr-xr-x"));

        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(mode(cli.state())).isEqualTo("rwx------");
        assertThat(r.stderr().lines()).containsExactly("runbook: the state directory " + cli.state()
                + " was open to other users (rwxr-xr-x); made it private (rwx------): it holds the audit trail");
        Cli.Result again = cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home);
        assertThat(again.stderr()).as("private now: nothing to say").isEmpty();
    }

    @Test
    void aStateDirectoryOfAnotherUserOpenToOthersIsReportedAndLeftAsItIs() throws IOException {
        Cli cli = Cli.in(home);
        Files.createDirectory(cli.state());
        Files.setPosixFilePermissions(cli.state(), PosixFilePermissions.fromString("rwxrwxrwx"));
        UserPrincipal nobody;
        try {
            nobody = home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(cli.state(), nobody);
        } catch (IOException e) {
            // the suite runs as root, as .ci/run does (sshd needs it too): a skip here would hide the case
            throw new AssertionError("cannot give the directory to nobody; run the tests as root, as .ci/run does: "
                    + e.getMessage(), e);
        }

        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(mode(cli.state())).isEqualTo("rwxrwxrwx");
        assertThat(r.stderr().lines()).containsExactly("runbook: warning: the state directory " + cli.state()
                + " is open to other users (rwxrwxrwx) and belongs to nobody; make it private: chmod go= " + cli.state());
    }
}
