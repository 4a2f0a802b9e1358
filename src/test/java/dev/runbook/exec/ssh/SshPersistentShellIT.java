package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.OutputListener;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link SshCommandsIT} again, on a host whose inventory sets
 * {@code runbook_persistent_shell: true}, and what only that shell does.
 */
class SshPersistentShellIT extends SshCommandsIT {

    @Override
    boolean persistentShell() {
        return true;
    }

    @Test
    void runsCommandLinesThroughOneShellUntilAStepLeavesAProcessBehind() throws Exception {
        run("true"); // a host's first step takes a channel of its own (when this test runs first)
        String first = run("echo $PPID $(ps -o comm= -p $PPID)").stdout();
        String second = run("echo $PPID $(ps -o comm= -p $PPID)").stdout();
        String behind = run("(sleep 0.4; echo late) & echo now").stdout();
        String after = run("echo $PPID $(ps -o comm= -p $PPID)").stdout();
        Thread.sleep(600);
        String later = run("echo $PPID $(ps -o comm= -p $PPID); echo done").stdout();

        assertThat(first).as("no sshd session per step: the same shell started both").endsWith(" sh\n")
                .isEqualTo(second);
        assertThat(behind).isEqualTo("now\n");
        assertThat(after).as("a new shell after one whose step left a process").isNotEqualTo(first);
        assertThat(later).as("what the process left behind printed reaches no later step").isEqualTo(after + "done\n");
    }

    @Test
    void takesAChannelOfItsOwnForAHostsFirstStep() throws Exception {
        try (CommandRunner fresh = home.connector().open(sshd.target("web1", Map.of("runbook_persistent_shell", true)))) {
            Command parent = Command.run("ps -o comm= -p $PPID", Duration.ofSeconds(30));

            assertThat(fresh.run(parent, OutputListener.NONE, Cancellation.none()).stdout()).isEqualTo("sshd\n");
            assertThat(fresh.run(parent, OutputListener.NONE, Cancellation.none()).stdout()).isEqualTo("sh\n");
            assertThat(fresh.run(parent, OutputListener.NONE, Cancellation.none()).stdout()).isEqualTo("sh\n");
        }
    }

    @Test
    void reportsTheExitStatusOfACommandKilledByASignalAsTheShellDoes() throws Exception {
        run("true");
        ExecResult r = run("kill -9 $$");

        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(run("echo fine").stdout()).isEqualTo("fine\n");
    }
}
