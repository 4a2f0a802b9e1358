package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plan} shows what a run would do and changes nothing; {@code --probe} runs readonly steps for real. */
class PlanIT {
    @TempDir
    Path home;

    Cli cli;
    Path dir;

    @BeforeEach
    void setUp() throws IOException {
        cli = Cli.in(home);
        dir = Files.createDirectories(home.resolve("target-dir"));
    }

    @Test
    void aTextPlanShowsRenderedStepsConditionsAndGatesAndChangesNothing() throws IOException {
        Cli.Result r = cli.run("plan", e2e("plan.yaml"), "-p", "dir=" + dir);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("nothing was changed")
                .contains("touch " + dir + "/repaired")
                .containsPattern("when steps\\.probe\\.ok: decided at run time \\(waits on probe\\)")
                .containsPattern("when params\\.mode == 'slow': false")
                .contains("stops for confirmation: Change things in " + dir + "?");
        assertNothingChanged();
    }

    @Test
    void aMarkdownPlanIsAReviewableDocumentAndChangesNothing() throws IOException {
        Cli.Result r = cli.run("plan", e2e("plan.yaml"), "-p", "dir=" + dir, "--format", "markdown");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith("# Plan: `e2e-plan`")
                .contains("| # | Step |")
                .contains("decided at run time (waits on `probe`)")
                .contains("```sh\ntouch " + dir + "/changed\n```");
        assertNothingChanged();
    }

    @Test
    void aJsonPlanListsEveryStepWithWhatItWaitsOnAndChangesNothing() throws IOException {
        Cli.Result r = cli.run("plan", e2e("plan.yaml"), "-p", "dir=" + dir, "--format", "json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode plan = AuditLog.parse(r.stdout());
        assertThat(plan.path("runbook").asText()).isEqualTo("e2e-plan");
        JsonNode steps = plan.path("steps");
        assertThat(steps).extracting(s -> s.path("step").asText()).containsExactly("probe", "repair", "slow-path", "approve", "change");
        JsonNode repair = steps.get(1);
        assertThat(repair.path("decided").isNull()).as("repair's condition is not decided yet").isTrue();
        assertThat(repair.path("depends_on")).extracting(JsonNode::asText).containsExactly("probe");
        assertThat(repair.path("rendered").asText()).isEqualTo("touch " + dir + "/repaired");
        assertThat(steps.get(2).path("decided").asBoolean(true)).as("slow-path is decided: skipped").isFalse();
        assertThat(steps.get(3).path("gate").asText()).isEqualTo("Change things in " + dir + "?");
        assertNothingChanged();
    }

    @Test
    void runWithDryRunIsThePlanAndChangesNothing() throws IOException {
        Cli.Result r = cli.run("run", e2e("plan.yaml"), "-p", "dir=" + dir, "--dry-run", "--yes");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("nothing was changed").contains("waits on probe");
        assertNothingChanged();
    }

    @Test
    void aPlanShowsAStepThatWouldFailWithItsErrorAndDoesNotPass() throws IOException {
        Path rb = Files.writeString(home.resolve("broken.yaml"), """
                name: broken
                vars:
                  sizes: [1, 2, 3]
                steps:
                  - id: first
                    run: echo one
                    retry: {attempts: 5, delay: 3s}
                  - id: broken
                    run: echo "{{ vars.sizes[10] }}"
                  - id: third
                    run: touch %s/third
                """.formatted(dir));

        Cli.Result text = cli.run("plan", rb.toString());
        Cli.Result json = cli.run("plan", rb.toString(), "--format", "json");

        assertThat(text.exitCode()).as(text.toString()).isEqualTo(1);
        assertThat(text.stdout()).contains("retry: up to 5 attempts, 3s apart").contains("✗ would fail: broken.yaml:9:")
                .contains("touch " + dir + "/third");
        assertThat(text.stderr()).contains("1 step of this plan would fail");
        assertThat(json.exitCode()).isEqualTo(1);
        JsonNode steps = AuditLog.parse(json.stdout()).path("steps");
        assertThat(steps).extracting(s -> s.path("step").asText()).containsExactly("first", "broken", "third");
        assertThat(steps.get(1).path("error").asText()).contains("vars.sizes[10]");
        assertThat(steps.get(0).path("details")).extracting(JsonNode::asText).containsExactly("retry: up to 5 attempts, 3s apart");
        assertNothingChanged();
    }

    @Test
    void probeRunsReadonlyStepsForRealAndDecidesTheConditionsThatWaitedOnThem() throws IOException {
        Cli.Result r = cli.run("plan", e2e("plan.yaml"), "-p", "dir=" + dir, "--probe");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(dir.resolve("probed")).as("the readonly step ran").exists();
        assertThat(r.stdout()).containsPattern("when steps\\.probe\\.ok: true")
                .contains("│ echo probed > " + dir + "/probed\n       probed: ok\n").doesNotContain("probe: ");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).as("only the probe changed anything").containsExactly("probed");
        }
    }

    @Test
    void theSamePlanTwiceIsByteIdenticalWithHostsInInventoryOrder() throws IOException {
        Files.writeString(home.resolve("inventory.yaml"), """
                all:
                  vars: {ansible_connection: local}
                  children:
                    web:
                      hosts:
                        web03: {}
                        web01: {}
                        web05: {}
                        web02: {}
                        web04: {}
                """);
        Path rb = Files.writeString(home.resolve("fan.yaml"), """
                name: fan
                steps:
                  - id: greet
                    run: echo hello from {{ host.name }}
                  - id: again
                    run: echo again
                """);

        Cli.Result first = cli.run("plan", rb.toString(), "-t", "web", "-i", "inventory.yaml", "--format", "markdown");
        Cli.Result second = cli.run("plan", rb.toString(), "-t", "web", "-i", "inventory.yaml", "--format", "markdown");
        Cli.Result text = cli.run("plan", rb.toString(), "-t", "web", "-i", "inventory.yaml");

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(second.stdout()).isEqualTo(first.stdout());
        assertThat(first.stdout()).containsSubsequence("### 1. `greet` on web03", "### 2. `greet` on web01", "### 3. `greet` on web05",
                "### 4. `greet` on web02", "### 5. `greet` on web04", "### 6. `again` on web03", "### 10. `again` on web04");
        assertThat(text.stdout()).containsSubsequence("targets: web03, web01, web05, web02, web04",
                "1. greet @web03", "2. greet @web01", "3. greet @web05", "4. greet @web02", "5. greet @web04", "6. again @web03");
    }

    @Test
    void aPlanShowsTheFanOutThatGovernsTheRunAndTheHostsInTheOrderABatchedRunTakesThem() throws IOException {
        Files.writeString(home.resolve("inventory.yaml"), """
                all:
                  vars: {ansible_connection: local}
                  hosts: {web1: {}, web2: {}, web3: {}, web4: {}}
                """);
        Path rb = Files.writeString(home.resolve("roll.yaml"), """
                name: roll
                targets: all
                batch: 2
                max_parallel: 1
                max_failures: 1
                steps:
                  - id: drain
                    run: echo drain
                  - id: undrain
                    run: echo undrain
                    max_parallel: 2
                    max_failures: 0
                """);

        Cli.Result text = cli.run("plan", rb.toString(), "-i", "inventory.yaml");
        Cli.Result markdown = cli.run("plan", rb.toString(), "-i", "inventory.yaml", "--format", "markdown");
        Cli.Result json = cli.run("plan", rb.toString(), "-i", "inventory.yaml", "--format", "json");

        String fanOut = "in batches of 2 (web1, web2 | web3, web4), each batch through every step before the next starts; "
                + "one host at a time in a batch; max_failures 1: once more than 1 host failed, no new host or batch starts";
        assertThat(text.stdout()).contains("fan-out: " + fanOut)
                .containsSubsequence("1. drain @web1", "2. drain @web2", "3. undrain @web1", "fan-out of this step: max_parallel 2, "
                        + "max_failures 0 (this step's failures)", "4. undrain @web2", "5. drain @web3", "8. undrain @web4");
        // in Markdown the batches' separator is escaped (a table would take it for a cell's end)
        assertThat(markdown.stdout()).contains("- **Fan-out:** " + fanOut.replace(" | ", " \\| "))
                .contains("- Fan-out of this step: max_parallel 2, max_failures 0 (this step's failures)");
        JsonNode plan = AuditLog.parse(json.stdout());
        assertThat(plan.path("fan_out").path("batch").asText()).isEqualTo("2");
        assertThat(plan.path("fan_out").path("batches").toString()).isEqualTo("[[\"web1\",\"web2\"],[\"web3\",\"web4\"]]");
        assertThat(plan.path("fan_out").path("max_parallel").asInt()).isEqualTo(1);
        assertThat(plan.path("fan_out").path("max_failures").asInt()).isEqualTo(1);
        assertThat(plan.path("steps").get(2).path("details").toString()).contains("fan-out of this step: max_parallel 2");

        Cli.Result serial = cli.run("plan", Files.writeString(home.resolve("one-by-one.yaml"),
                "name: one-by-one\ntargets: all\nstrategy: serial\nsteps:\n  - id: a\n    run: echo a\n").toString(), "-i", "inventory.yaml");
        assertThat(serial.stdout()).contains("fan-out: one host at a time through every step, then the next (web1 → web2 → web3 → web4); "
                + "max_failures 0: the first host that fails stops the run after its step");
    }

    @Test
    void aStepsCheckIsRenderedLikeItsCommandWithItsOwnResultShownAsUnknown() throws IOException {
        Path rb = Files.writeString(home.resolve("checked.yaml"), """
                name: checked
                params:
                  workdir: {type: string, default: /srv/app}
                vars:
                  here: /opt/backup
                steps:
                  - id: restore
                    run: cp {{ vars.here }}/state.json {{ params.workdir }}/state.json
                    check: cmp -s {{ vars.here }}/state.json {{ params.workdir }}/state.json && test -n {{ trim(result.stdout) }}
                """);

        Cli.Result text = cli.run("plan", rb.toString());
        Cli.Result json = cli.run("plan", rb.toString(), "--format", "json");

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.stdout()).contains("│ cp /opt/backup/state.json /srv/app/state.json\n")
                .contains("then checks: cmp -s /opt/backup/state.json /srv/app/state.json && test -n <trim(result.stdout)>\n");
        assertThat(AuditLog.parse(json.stdout()).path("steps").get(0).path("details")).extracting(JsonNode::asText)
                .containsExactly("then checks: cmp -s /opt/backup/state.json /srv/app/state.json && test -n <trim(result.stdout)>");
    }

    @Test
    void aPlanMarksAnSqlStepWhoseDatabaseNoInventoryDefinesAsOneThatWouldFail() throws IOException {
        Path rb = Files.writeString(home.resolve("db.yaml"), """
                name: db
                steps:
                  - id: report
                    sql: select 1
                    database: nodb
                  - id: after
                    run: echo after
                """);
        Files.writeString(home.resolve("db-inventory.yaml"), """
                all:
                  hosts:
                    localhost:
                      ansible_connection: local
                      runbook_databases:
                        main: {url: "jdbc:postgresql://127.0.0.1:5432/main", user: u}
                """);

        Cli.Result none = cli.run("plan", rb.toString());
        Cli.Result other = cli.run("plan", rb.toString(), "-i", "db-inventory.yaml");

        assertThat(none.exitCode()).as(none.toString()).isEqualTo(1);
        assertThat(none.stdout()).contains("database: nodb\n")
                .contains("✗ would fail: db.yaml:4:10: no database is configured for host 'localhost'")
                .contains("│ echo after");
        assertThat(none.stderr()).contains("1 step of this plan would fail");
        assertThat(other.exitCode()).as(other.toString()).isEqualTo(1);
        assertThat(other.stdout()).contains("✗ would fail: db.yaml:4:10: database 'nodb' is not configured for host 'localhost'; known: main");
        assertNothingChanged();
    }

    @Test
    void showOfAPlanWithProbesSaysInItsHeaderThatItWasADryRun() {
        assertThat(cli.run("plan", e2e("plan.yaml"), "-p", "dir=" + dir, "--probe").exitCode()).isZero();

        Cli.Result plan = cli.run("show", "last");

        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.stdout().lines().limit(3)).element(2)
                .isEqualTo("plan with --probe (dry run): only readonly steps ran; nothing else was changed");
        assertThat(cli.run("run", e2e("plan.yaml"), "-p", "dir=" + dir).exitCode()).as("stopped at the gate").isEqualTo(3);
        assertThat(cli.run("show", "last").stdout()).as("a real run").doesNotContain("dry run");
    }

    @Test
    void aFailedProbeIsOneStatementOfWhatItFound() throws IOException {
        Path rb = Files.writeString(home.resolve("look.yaml"), """
                name: look
                steps:
                  - id: look
                    run: cat %s/missing
                    readonly: true
                """.formatted(dir));

        Cli.Result text = cli.run("plan", rb.toString(), "--probe");
        Cli.Result markdown = cli.run("plan", rb.toString(), "--probe", "--format", "markdown");

        assertThat(text.stdout()).contains("│ cat " + dir + "/missing\n       probed: failed (exit code 1: cat: " + dir
                + "/missing: No such file or directory)\n").doesNotContain("probe: ");
        assertThat(markdown.stdout()).contains("- Probed: failed (exit code 1: cat: " + dir + "/missing: No such file or directory)\n")
                .doesNotContain("- probed").doesNotContain("- Probe: ");
    }

    @Test
    void aProbeThatFailsWhereARunWouldStopIsMarkedAndThePlanStillShowsTheRest() throws IOException {
        Path rb = Files.writeString(home.resolve("stop.yaml"), """
                name: stop
                steps:
                  - id: health
                    run: "false"
                    readonly: true
                  - id: restart
                    run: touch %s/restarted
                finally:
                  - id: note
                    run: echo done
                """.formatted(dir));

        Cli.Result text = cli.run("plan", rb.toString(), "--probe");
        Cli.Result markdown = cli.run("plan", rb.toString(), "--probe", "--format", "markdown");

        assertThat(text.exitCode()).as(text.toString()).isEqualTo(1);
        assertThat(text.stdout()).contains("       probed: failed (exit code 1)\n"
                + "       ✗ would fail: its probe failed: a run now would fail at this step\n")
                .contains("│ touch " + dir + "/restarted").contains("│ echo done");
        assertThat(text.stderr()).contains("1 step of this plan would fail");
        assertThat(markdown.exitCode()).isEqualTo(1);
        assertThat(markdown.stdout()).contains("- **Would fail:** its probe failed: a run now would fail at this step")
                .contains("`restart`");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.toList()).as("files created by the plan").isEmpty();
        }
    }

    @Test
    void aProbeFailureTheStepToleratesIsShownWithoutFailingThePlan() throws IOException {
        Path rb = Files.writeString(home.resolve("tolerate.yaml"), """
                name: tolerate
                steps:
                  - id: is-down
                    run: "false"
                    readonly: true
                    on_failure: continue
                  - id: after
                    run: echo after
                """);

        Cli.Result text = cli.run("plan", rb.toString(), "--probe");

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.stdout()).contains("probed: failed (exit code 1)").doesNotContain("would fail").contains("│ echo after");
    }

    @Test
    void rescueAlwaysAndOnFailureStepsAreShownWithWhenTheyRun() throws IOException {
        Path rb = Files.writeString(home.resolve("paths.yaml"), """
                name: paths
                steps:
                  - id: health
                    run: "true"
                    on_failure:
                      - id: page
                        run: echo paging
                  - id: swap
                    block:
                      - id: put-new
                        run: echo new
                    rescue:
                      - id: put-old
                        run: echo old
                    always:
                      - id: reload
                        run: echo reload
                """);

        Cli.Result text = cli.run("plan", rb.toString());
        Cli.Result markdown = cli.run("plan", rb.toString(), "--format", "markdown");

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.stdout()).contains("2. page  run (changes)\n       on_failure: only if the step it handles fails\n"
                        + "       │ echo paging\n")
                .contains("5. put-old  run (changes)\n         rescue: only if a step of its block fails\n")
                .contains("6. reload  run (changes)\n         always: after its block, whatever happened there\n");
        assertThat(markdown.stdout()).contains("`put-old` (rescue)").contains("- Runs only if a step of its block fails\n")
                .contains("`page` (on_failure)").contains("- Runs only if the step it handles fails\n");
    }

    @Test
    void aMarkdownPlanCountsOnlyTheStepsThatWouldChangeSomething() throws IOException {
        Path rb = Files.writeString(home.resolve("count.yaml"), """
                name: count
                params:
                  apply: {type: bool, default: false}
                steps:
                  - id: look
                    run: "true"
                    readonly: true
                  - id: change
                    run: touch /tmp/changed
                  - id: maybe
                    run: touch /tmp/maybe
                    when: params.apply
                """);

        Cli.Result markdown = cli.run("plan", rb.toString(), "--format", "markdown");

        assertThat(markdown.exitCode()).as(markdown.toString()).isZero();
        assertThat(markdown.stdout()).contains("- **Steps:** 3 (1 that change something, 0 confirmation gates)")
                .contains("| `maybe` | localhost | run (changes) | false: skipped |");
    }

    private void assertNothingChanged() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.toList()).as("files created by the plan").isEmpty();
        }
        if (Files.exists(cli.auditFile())) {
            assertThat(AuditLog.events(cli.auditFile())).as("audit events of a plan").isEmpty();
        }
    }
}
