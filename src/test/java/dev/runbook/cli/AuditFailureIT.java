package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose audit trail cannot be written mid-run (a full disk: the state directory on a small
 * tmpfs that the first step fills) does nothing it cannot record: no step starts without its
 * {@code step.started} on file, finally steps included, and the run says where it stopped.
 */
class AuditFailureIT {
    private static final int LATER_STEPS = 12;

    @TempDir
    Path home;
    Path state;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        state = Files.createDirectories(home.resolve("state"));
        // the suite runs as root, as .ci/run does: a skip here would hide the case
        assertThat(exec("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", state.toString()))
                .as("mount a 64 KiB tmpfs (needs root)").isZero();
    }

    @AfterEach
    void unmount() throws Exception {
        exec("umount", state.toString());
    }

    @Test
    void aFullDiskStopsTheRunAtTheFirstEventItCannotRecord() throws Exception {
        StringBuilder yaml = new StringBuilder("""
                name: fills-the-disk
                description: The first step fills the disk that holds the audit trail.
                steps:
                  - id: fill
                    run: dd if=/dev/zero of=%s/filler bs=4k 2>/dev/null; true
                """.formatted(state));
        for (int i = 1; i <= LATER_STEPS; i++) {
            yaml.append("  - id: later-%d\n    run: touch %s/later-%d\n".formatted(i, home, i));
        }
        yaml.append("finally:\n  - id: cleanup\n    run: touch %s/finally-ran\n".formatted(home));
        Path runbook = Files.writeString(home.resolve("fills-the-disk.yaml"), yaml);

        Cli.Result r = Cli.in(home).run("run", runbook.toString(), "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        List<String> errors = r.stderr().lines().toList();
        assertThat(errors).as(r.toString()).hasSize(1);
        assertThat(errors.get(0)).startsWith("runbook: error: audit trail: cannot write to the audit trail " + state.resolve("audit.jsonl")
                + ": No space left on device; ").endsWith(", and nothing more ran (finally steps included): a run does nothing it cannot record");
        List<String> lines = r.stdout().lines().toList();
        String runId = dev.runbook.testing.AuditLog.parse(lines.get(0)).get("run_id").asText();
        assertThat(lines.get(lines.size() - 1)).startsWith("{\"type\":\"run.error\",\"run_id\":\"" + runId + "\",\"exit_code\":1,\"message\":\"runbook: error: audit trail: ");
        assertThat(r.stdout()).doesNotContain("\"run.finished\"");

        // every step that ran has its step.started on file; the one the run stopped at, the later ones and finally did not run
        exec("rm", "-f", state.resolve("filler").toString());
        String trail = Files.readString(state.resolve("audit.jsonl"));
        List<Integer> ran = new ArrayList<>();
        for (int i = 1; i <= LATER_STEPS; i++) {
            if (Files.exists(home.resolve("later-" + i))) {
                ran.add(i);
                assertThat(trail).as("later-%d ran", i).contains("\"type\":\"step.started\"", "\"step\":\"later-" + i + "\"");
            }
        }
        assertThat(ran).as("the disk filled up before the last step").hasSizeLessThan(LATER_STEPS);
        assertThat(ran).as("steps ran in order, none after the stop").isEqualTo(ran.isEmpty() ? List.of()
                : java.util.stream.IntStream.rangeClosed(1, ran.size()).boxed().toList());
        Matcher stopped = Pattern.compile("step 'later-(\\d+)' on localhost did not start").matcher(errors.get(0));
        if (stopped.find()) {
            assertThat(home.resolve("later-" + stopped.group(1))).doesNotExist();
        }
        assertThat(home.resolve("finally-ran")).doesNotExist();

        // what was written is an intact chain (a line torn by the full disk is reported as such, not as tampering)
        Cli.Result verify = Cli.in(home).run("audit", "verify");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.stdout()).contains("chain intact");
    }

    private static int exec(String... cmd) throws Exception {
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
