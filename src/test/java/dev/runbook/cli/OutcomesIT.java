package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run says happened, on the console, in the audit and in {@code show}: nothing counted as done that was not. */
class OutcomesIT {
    @TempDir
    Path home;

    Cli cli;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
    }

    @Test
    void aLoopOverAnEmptyListIsShownAuditedAndCountedAsSkippedAndIsNotOk() {
        Cli.Result r = cli.run("run", e2e("empty-loop.yaml"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("- restart: skipped (loop over an empty list)\n")
                .contains("✗ failed: step 'after' failed: assertion failed: steps.restart.ok in ")
                .contains(" · steps: 1 failed, 1 skipped\n");
        JsonNode skipped = AuditLog.ofType(cli.auditFile(), "step.skipped").get(0);
        assertThat(skipped.path("step").asText()).isEqualTo("restart");
        assertThat(skipped.path("data").path("reason").asText()).isEqualTo("loop over an empty list");
        assertThat(cli.run("show", "last").stdout()).containsPattern("step\\.skipped +localhost restart  loop over an empty list");
    }

    @Test
    void eachItemOfALoopedStepIsNamedOnTheConsoleInTheAuditAndInShowWithSecretsMasked() throws IOException {
        Path rb = Files.writeString(home.resolve("services.yaml"), """
                name: services
                secrets:
                  token: env:SERVICE_TOKEN
                steps:
                  - id: before
                    run: test {{ item }} != postgresql
                    loop: ["redis", "postgresql", "nginx"]
                    on_failure: continue
                  - id: with-token
                    run: "true"
                    loop: "{{ ['public', 'key-' + secrets.token] }}"
                """);

        Cli.Result r = cli.withEnv("SERVICE_TOKEN", "s3cr3t-token-value").run("run", rb.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).containsSubsequence("✓ before [redis]  ", "✗ before [postgresql]  failed  ", "✓ before [nginx]  ")
                .contains("✓ with-token [public]  ").contains("✓ with-token [key-****]  ").doesNotContain("s3cr3t");
        assertThat(AuditLog.ofType(cli.auditFile(), "step.finished"))
                .filteredOn(e -> e.path("step").asText().equals("before") && e.path("data").has("item"))
                .extracting(e -> e.path("data").path("index").asInt() + " " + e.path("data").path("item").asText() + " "
                        + e.path("data").path("outcome").asText())
                .containsExactly("0 redis ok", "1 postgresql failed", "2 nginx ok");
        assertThat(Files.readString(cli.auditFile())).doesNotContain("s3cr3t").contains("\"item\":\"key-****\"");
        assertThat(cli.run("show", "last").stdout()).containsPattern("step\\.finished +localhost before \\[postgresql\\]  failed");
    }

    @Test
    void aPlanShowsALoopOverAKnownEmptyListAsSkipped() {
        Cli.Result r = cli.run("plan", e2e("empty-loop.yaml"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("1. restart  run (changes)\n       │ for each item of {{ params.hosts }}\n"
                + "       skipped: loop over an empty list\n");
        assertThat(cli.run("plan", e2e("empty-loop.yaml"), "--format", "markdown").stdout())
                .contains("| 1 | `restart` | localhost | run (changes) | skipped |  |");
    }

    @Test
    void hostsAreCountedByWhatHappenedToThemWhenMaxFailuresStopsNewHosts() throws IOException {
        Path inventory = Files.writeString(home.resolve("hosts.yaml"),
                "all:\n  vars: {ansible_connection: local}\n  children:\n    web:\n      hosts:\n        w[1:5]:\n");

        Cli.Result r = cli.run("run", e2e("max-failures.yaml"), "-i", inventory.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        String reason = "not started: more than max_failures (1) hosts failed";
        assertThat(r.stdout()).contains("- w4 a: skipped (" + reason + ")\n", "- w5 a: skipped (" + reason + ")\n")
                .containsPattern("✗ failed: step 'a' failed on w2: exit code 1 in [0-9.]+ m?s · steps: 1 ok, 2 failed, 2 skipped"
                        + " · hosts: 2 failed, 1 not finished, 2 not started\n");
        JsonNode end = AuditLog.ofType(cli.auditFile(), "run.finished").get(0);
        assertThat(end.path("data").path("hosts").toString()).isEqualTo("{\"failed\":2,\"not finished\":1,\"not started\":2}");
        assertThat(cli.run("show", "last").stdout())
                .containsPattern("step\\.skipped +w5 a  not started: more than max_failures \\(1\\) hosts failed")
                .contains("steps: 1 ok, 2 failed, 2 skipped, hosts: 2 failed, 1 not finished, 2 not started: step 'a' failed on w2");
    }

    @Test
    void aStepTheRunsDeadlineEndsSaysSoOnTheConsoleAndInTheAudit() {
        Path sleeper = Processes.sleeper(home);
        try {
            Cli.Result r = cli.run("run", e2e("deadline.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper);

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stdout()).containsPattern("✗ long  timed out  [0-9.]+ m?s  the run's deadline passed; its processes were killed\n")
                    .contains("✗ failed: the run's deadline passed in ");
            JsonNode end = AuditLog.ofType(cli.auditFile(), "step.finished").get(0);
            assertThat(end.path("step").asText()).isEqualTo("long");
            assertThat(end.path("data").path("outcome").asText()).isEqualTo("timed out");
            assertThat(end.path("data").path("message").asText()).isEqualTo("the run's deadline passed; its processes were killed");
        } finally {
            Processes.killAll(sleeper.getFileName().toString());
        }
    }
}
