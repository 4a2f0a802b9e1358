package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Nobody;
import dev.runbook.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The state directory holds the private audit trail, the run locks and script files: a run keeps
 * it private, and writes there only when no other user can change what its files are (as
 * OpenSSH's StrictModes). Reading commands still read a trail of someone else's.
 */
class StateDirIT {
    /** Who runs the CLI (and the tests): root, as .ci/run runs them. */
    private static final String ME = System.getProperty("user.name");

    @TempDir
    Path home;

    private String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private void chmod(Path p, String mode) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private static List<Path> contents(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> !p.equals(dir)).sorted().toList();
        }
    }

    private Cli.Result runSucceeds(Cli cli) {
        return cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home);
    }

    @Test
    void aStateDirectoryOfOursOpenToOthersIsMadePrivateAndTheRunSaysSoOnce() throws IOException {
        Cli cli = Cli.in(home);
        Files.createDirectory(cli.state(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        chmod(cli.state(), "rwxr-xr-x");

        Cli.Result r = runSucceeds(cli);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(mode(cli.state())).isEqualTo("rwx------");
        assertThat(r.stderr().lines()).containsExactly("runbook: the state directory " + cli.state()
                + " was open to other users (rwxr-xr-x); made it private (rwx------): it holds the audit trail");
        Cli.Result again = runSucceeds(cli);
        assertThat(again.stderr()).as("private now: nothing to say").isEmpty();
    }

    @Test
    void aStateDirectoryOfAnotherUserIsRefusedBeforeAnythingRunsAndNothingIsWritten() throws IOException {
        Cli cli = Cli.in(home);
        Files.createDirectory(cli.state());
        chmod(cli.state(), "rwxrwxrwx");
        Files.setOwner(cli.state(), nobody());

        Cli.Result r = runSucceeds(cli);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly(cli.state() + ": error: the state directory belongs to nobody (rwxrwxrwx), not to "
                + ME + ": another user could plant links in it for a run to follow; use one of yours (RUNBOOK_STATE), or have it given"
                + " to you: chown " + ME + " " + cli.state() + " && chmod go= " + cli.state());
        assertThat(home.resolve("done")).as("no step ran").doesNotExist();
        assertThat(contents(cli.state())).as("nothing written").isEmpty();
        assertThat(mode(cli.state())).isEqualTo("rwxrwxrwx");
    }

    /**
     * While our state directory was open, another user planted a link to a file of ours: the run
     * makes the directory private, then refuses the link instead of appending to, chmod-ing or
     * emptying what it leads to.
     */
    @ParameterizedTest
    @ValueSource(strings = {"audit.jsonl", "audit.jsonl.head", "locks/e2e-succeeds@localhost.lock"})
    void aLinkAnotherUserPlantedInTheStateDirectoryIsRefusedNotFollowed(String name) throws IOException {
        chmod(home, "rwxr-xr-x");
        Path victim = home.resolve("victim");
        Files.writeString(victim, "precious data line\n");
        chmod(victim, "rw-r--r--");
        Cli cli = Cli.in(home);
        Files.createDirectories(cli.state().resolve("locks"));
        chmod(cli.state(), "rwxrwxrwx");
        chmod(cli.state().resolve("locks"), "rwxrwxrwx");
        Path link = cli.state().resolve(name);
        Nobody.sh("ln -s '" + victim + "' '" + link + "'");

        Cli.Result r = runSucceeds(cli);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).contains("runbook: the state directory " + cli.state()
                + " was open to other users (rwxrwxrwx); made it private (rwx------): it holds the audit trail");
        assertThat(r.stderr().lines()).last().isEqualTo(link + ": error: a symbolic link (to " + victim + ") in the state directory,"
                + " which runbook does not follow: another user may have planted it; remove it");
        assertThat(Files.readString(victim)).isEqualTo("precious data line\n");
        assertThat(mode(victim)).isEqualTo("rw-r--r--");
        assertThat(home.resolve("done")).as("no step ran").doesNotExist();
        assertThat(Files.isSymbolicLink(link)).as("left for the user to look at").isTrue();
    }

    @Test
    void aStateDirectoryUnderADirectoryOthersMayWriteToIsRefused() throws IOException {
        Path shared = Files.createDirectory(home.resolve("shared"));
        chmod(shared, "rwxrwxrwx");
        Path state = shared.resolve("state");
        Cli cli = Cli.in(home).withEnv("RUNBOOK_STATE", state.toString());

        Cli.Result r = runSucceeds(cli);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly(shared + ": error: the state directory " + state + " is under a directory that"
                + " others may write to (owner " + ME + ", rwxrwxrwx), so another user could replace it; chmod go-w " + shared
                + ", or keep state elsewhere (RUNBOOK_STATE)");
        assertThat(state).doesNotExist();
        assertThat(home.resolve("done")).doesNotExist();
    }

    /** As when ~/.local/state is a link to another disk: a link of ours leads to a directory of ours. */
    @Test
    void aStateDirectoryThatIsALinkOfOursIsUsedWhereItLeads() throws IOException {
        Path disk = Files.createDirectories(home.resolve("disk"));
        Path real = Files.createDirectory(disk.resolve("runbook-state"));
        chmod(real, "rwx------");
        Path link = Files.createSymbolicLink(home.resolve("state-link"), real);
        Cli cli = Cli.in(home).withEnv("RUNBOOK_STATE", link.toString());

        Cli.Result r = runSucceeds(cli);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr()).isEmpty();
        assertThat(r.stdout()).contains("audit " + link.resolve("audit.jsonl"));
        assertThat(AuditLog.types(real.resolve("audit.jsonl"))).contains("run.started", "run.finished");
        assertThat(mode(real.resolve("audit.jsonl"))).isEqualTo("rw-------");
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    /** The finding's case: in a directory all may write to (sticky, as /tmp), another user's link named as the state directory. */
    @Test
    void aStateDirectoryThatIsAnotherUsersLinkIsRefusedWhereverItLeads() throws IOException {
        chmod(home, "rwxr-xr-x");
        Path tmp = Files.createDirectory(home.resolve("tmp"));
        assertThat(Processes.exec(List.of("chmod", "1777", tmp.toString())).exitCode()).isZero();
        Path ours = Files.createDirectory(home.resolve("ours"));
        chmod(ours, "rwx------");
        Path state = tmp.resolve("runbook-state");
        Nobody.sh("ln -s '" + ours + "' '" + state + "'");

        Cli.Result r = runSucceeds(Cli.in(home).withEnv("RUNBOOK_STATE", state.toString()));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly(state + ": error: the state directory " + state + " is reached through a"
                + " symbolic link that belongs to nobody, who could point it elsewhere; keep state where only you and root can change"
                + " it (RUNBOOK_STATE)");
        assertThat(contents(ours)).isEmpty();
        assertThat(home.resolve("done")).doesNotExist();
    }

    /** An auditor reads the operator's trail: reading is not refused, and writes nothing. */
    @Test
    void readingCommandsReadATrailInAStateDirectoryOfAnotherUser() throws IOException {
        Cli cli = Cli.in(home);
        assertThat(runSucceeds(cli).exitCode()).isZero();
        assertThat(Processes.exec(List.of("chown", "-R", "nobody", cli.state().toString())).exitCode()).isZero();
        List<Path> before = contents(cli.state());

        Cli.Result history = cli.run("history");
        Cli.Result show = cli.run("show", "last");
        Cli.Result verify = cli.run("audit", "verify");

        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.stdout()).contains("e2e-succeeds");
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(contents(cli.state())).isEqualTo(before);
        assertThat(Files.getOwner(cli.state())).isEqualTo(nobody());
        assertThat(mode(cli.state())).isEqualTo("rwx------");
    }

    private UserPrincipal nobody() throws IOException {
        return home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }
}
