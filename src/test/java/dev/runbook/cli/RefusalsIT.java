package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands refused for bad options or input: exit 2, one clear line, and nothing ran or changed. */
class RefusalsIT {
    @TempDir
    Path home;

    Cli cli;
    String dir;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
        dir = "dir=" + home;
    }

    @Test
    void probeWithoutDryRunIsRefusedInsteadOfRunningForReal() {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir, "--probe");

        assertRefused(r, "runbook: error: --probe needs --dry-run (or use: runbook plan --probe)");
    }

    @Test
    void formatWithoutDryRunIsRefusedInsteadOfRunningForReal() {
        Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", dir, "--format", "json");

        assertRefused(r, "runbook: error: --format needs --dry-run (or use: runbook plan --format)");
    }

    @Test
    void probeAndFormatWithDryRunStillPlan() {
        Cli.Result r = cli.run("run", e2e("plan.yaml"), "-p", dir, "--dry-run", "--probe", "--format", "json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("\"repair\"");
        assertThat(home.resolve("probed")).as("the readonly probe ran").exists();
        assertThat(home.resolve("changed")).as("a mutating step").doesNotExist();
    }

    private void assertRefused(Cli.Result r, String message) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).as(r.toString()).containsExactly(message);
        assertThat(r.stdout()).isEmpty();
        assertThat(home.resolve("done")).as("the run's side effect").doesNotExist();
        Path audit = cli.auditFile();
        if (Files.exists(audit)) {
            assertThat(AuditLog.events(audit)).as("audit events").isEmpty();
        }
    }
}
