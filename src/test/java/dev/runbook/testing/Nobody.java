package dev.runbook.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Another local user, for the cases where what root may do hides the point: commands run as
 * nobody (uid and gid 65534, no other groups) by util-linux {@code setpriv}, which .ci/run
 * installs. The suite runs as root; a missing setpriv fails the test rather than skip it.
 */
public final class Nobody {
    public static final int UID = 65534;

    private Nobody() {}

    /** {@code argv} as a command line that runs it as nobody. */
    public static List<String> command(String... argv) {
        List<String> cmd = new ArrayList<>(List.of(setpriv().toString(), "--reuid=" + UID, "--regid=" + UID, "--clear-groups"));
        cmd.addAll(List.of(argv));
        return cmd;
    }

    /** util-linux {@code setpriv}, which .ci/run installs: missing, it fails the test rather than skip it. */
    static Path setpriv() {
        Path setpriv = List.of("/usr/bin/setpriv", "/bin/setpriv").stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        assertThat(setpriv).as("setpriv (util-linux), to run as a user who lacks permissions, where root has them all").isNotNull();
        return setpriv;
    }

    /** Runs a shell script as nobody, to its end; fails the test when it fails. */
    public static void sh(String script) {
        Cli.Result r = Processes.exec(command("sh", "-c", script));
        assertThat(r.exitCode()).as("as nobody: " + script + "\n" + r).isZero();
    }
}
