package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hosts that accept TCP and never speak SSH (a hung sshd, a black-holing middlebox): Ctrl-C does not
 * wait for the connect timeout, and several such hosts cost one timeout, not one each.
 */
class SshInterruptIT {
    @TempDir
    Path home;

    private final List<ServerSocket> silent = new ArrayList<>();

    @AfterEach
    void closeSockets() throws IOException {
        for (ServerSocket s : silent) {
            s.close();
        }
    }

    @Test
    void ctrlCWhileConnectingToAHostThatNeverAnswersStopsAtOnceWithExit130() throws IOException {
        inventory(1, "60s");
        Path rb = runbook();
        Cli cli = Cli.in(home);
        Cli.Result r;
        long interruptedAt;
        try (Cli.Running run = cli.start("run", "-i", home.resolve("inventory.yaml").toString(), rb.toString())) {
            run.awaitOutput("a: started");
            interruptedAt = System.nanoTime();
            run.signal("INT");
            r = run.await(Duration.ofSeconds(30));
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(130);
        assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt)).as("stopped long before the 60 s connect timeout")
                .isLessThan(Duration.ofSeconds(20));
        assertThat(r.output()).contains("interrupted").doesNotContain("sent no SSH greeting");
        assertThat(AuditLog.types(cli.auditFile())).contains("step.finished", "run.aborted").doesNotContain("run.finished");
    }

    @Test
    void silentHostsAreWaitedForInParallelNotOneAfterAnother() throws IOException {
        inventory(4, "3s");
        Path rb = runbook();
        Cli cli = Cli.in(home);
        long start = System.nanoTime();

        Cli.Result r = cli.run("run", "-i", home.resolve("inventory.yaml").toString(), rb.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).contains("4 unreachable");
        // one after another would be 4 x 3 s at the least
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as(r.toString()).isLessThan(Duration.ofSeconds(10));
    }

    private void inventory(int hosts, String connectTimeout) throws IOException {
        StringBuilder inv = new StringBuilder("all:\n  vars: {ansible_user: root, runbook_connect_timeout: " + connectTimeout
                + "}\n  children:\n    mute:\n      hosts:\n");
        for (int i = 0; i < hosts; i++) {
            ServerSocket s = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"));
            silent.add(s);
            inv.append("        mute").append(i).append(": {ansible_host: 127.0.0.1, ansible_port: ").append(s.getLocalPort())
                    .append("}\n");
        }
        Files.writeString(home.resolve("inventory.yaml"), inv.toString());
    }

    private Path runbook() throws IOException {
        Path rb = home.resolve("mute.yaml");
        Files.writeString(rb, "name: mute\ntargets: mute\nmax_parallel: 10\nsteps:\n  - id: a\n    run: \"true\"\n");
        return rb;
    }
}
