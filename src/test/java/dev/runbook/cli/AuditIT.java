package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.EventText;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit trail survives a crash, tells a torn line from tampering, and names the line where tampering begins. */
class AuditIT {
    @TempDir
    static Path sharedHome;

    private static List<String> twoRuns;

    @TempDir
    Path home;

    Cli cli;
    Path sleeper;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
        sleeper = Processes.sleeper(home);
    }

    @AfterEach
    void killLeftovers() {
        Processes.killAll(sleeper.getFileName().toString());
    }

    @Test
    void killingTheEngineMidStepLeavesAVerifiableAuditHoldingThatStepsStart() {
        long enginePid;
        try (Cli.Running run = cli.start("run", e2e("long-step.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper)) {
            run.awaitOutput("long: started");
            enginePid = run.pid();
            run.signal("KILL");
            assertThat(run.await().exitCode()).isEqualTo(128 + 9);
        }

        Cli.Result verify = cli.run("audit", "verify");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.stdout()).contains("chain intact");
        List<JsonNode> events = AuditLog.events(cli.auditFile());
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("type").asText()).isEqualTo("step.started");
        assertThat(last.path("step").asText()).isEqualTo("long");
        assertThat(last.path("data").path("command").asText()).contains(sleeper.toString());
        assertThat(AuditLog.types(cli.auditFile())).doesNotContain("run.finished", "run.aborted");
        Cli.Result history = cli.run("history");
        assertThat(history.stdout()).containsPattern("e2e-long-step\\s+died").doesNotContain("succeeded", "running");
        Cli.Result show = cli.run("show", last.path("run_id").asText());
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout()).containsPattern("step.started\\s+localhost long")
                .contains("died: no end event, and the process that ran it (pid " + enginePid + " on ");
    }

    @Test
    void concurrentRunsOfDifferentRunbooksKeepOneIntactChain() throws IOException {
        List<String> runbooks = List.of("succeeds.yaml", "fails.yaml", "inject.yaml", "two-gates.yaml");
        List<Cli.Running> runs = new ArrayList<>();
        try {
            for (String rb : runbooks) {
                Path dir = Files.createDirectories(home.resolve(rb));
                runs.add(rb.equals("inject.yaml")
                        ? cli.start("run", e2e(rb), "-p", "dir=" + dir, "-p", "value=x")
                        : cli.start("run", e2e(rb), "-p", "dir=" + dir, "--yes"));
                runs.get(runs.size() - 1).closeInput();
            }
            for (Cli.Running run : runs) {
                Cli.Result r = run.await();
                assertThat(r.exitCode()).as(r.toString()).isIn(0, 1);
            }
        } finally {
            runs.forEach(Cli.Running::close);
        }

        Cli.Result verify = cli.run("audit", "verify");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(AuditLog.ofType(cli.auditFile(), "run.finished")).hasSize(runbooks.size());
        assertThat(AuditLog.ofType(cli.auditFile(), "run.started")).extracting(e -> e.path("runbook").path("name").asText())
                .containsExactlyInAnyOrder("e2e-succeeds", "e2e-fails", "e2e-inject", "e2e-two-gates");
    }

    @Test
    void aTornLastLineIsReportedAsACrashNotTamperingAndTheNextRunChainsOn() throws IOException {
        assertThat(cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home).exitCode()).isZero();
        long lines = AuditLog.lines(cli.auditFile()).size();
        Files.writeString(cli.auditFile(), "{\"v\":1,\"run_id\":\"20260101-000000-abcdef\",\"seq\":7,\"ts\":\"2026-",
                StandardOpenOption.APPEND);

        Cli.Result torn = cli.run("audit", "verify");
        assertThat(torn.exitCode()).as(torn.toString()).isZero();
        assertThat(torn.output()).contains("line " + (lines + 1)).containsIgnoringCase("crash").contains("not tampering");

        assertThat(cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home).exitCode()).isZero();

        Cli.Result after = cli.run("audit", "verify");
        assertThat(after.exitCode()).as(after.toString()).isZero();
        assertThat(after.output()).contains("line " + (lines + 1)).contains("torn");
        assertThat(AuditLog.ofType(cli.auditFile(), "run.finished")).hasSize(2);
        assertThat(cli.run("history").stdout()).containsPattern("(?s)e2e-succeeds.*e2e-succeeds");
    }

    @Test
    void anEditedLineFailsVerificationAtThatLine() throws IOException {
        List<String> lines = auditOfTwoRuns();
        int n = indexOf(lines, "\"outcome\":\"ok\"");
        lines.set(n, lines.get(n).replace("\"outcome\":\"ok\"", "\"outcome\":\"failed\""));

        assertBreaksAt(lines, n + 1);
    }

    @Test
    void aRemovedLineFailsVerificationWhereItWas() throws IOException {
        List<String> lines = auditOfTwoRuns();
        lines.remove(3);

        assertBreaksAt(lines, 4);
    }

    @Test
    void aRemovedFirstLineFailsVerificationAtLineOne() throws IOException {
        List<String> lines = auditOfTwoRuns();
        lines.remove(0);

        assertBreaksAt(lines, 1);
    }

    @Test
    void twoSwappedLinesFailVerificationAtTheFirst() throws IOException {
        List<String> lines = auditOfTwoRuns();
        String third = lines.get(2);
        lines.set(2, lines.get(3));
        lines.set(3, third);

        assertBreaksAt(lines, 3);
    }

    @Test
    void aLineCutShortInTheMiddleIsTamperingNotATear() throws IOException {
        List<String> lines = auditOfTwoRuns();
        lines.set(4, lines.get(4).substring(0, 30));

        Cli.Result r = assertBreaksAt(lines, 5);
        assertThat(r.output()).doesNotContain("not tampering");
    }

    @Test
    void anInsertedCopyOfALineFailsVerificationAtTheCopy() throws IOException {
        List<String> lines = auditOfTwoRuns();
        lines.add(6, lines.get(5));

        assertBreaksAt(lines, 7);
    }

    @Test
    void theLastRunCutOffTheEndFailsVerificationAndTheNextRunRecordsTheCut() throws IOException {
        assertThat(cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home).exitCode()).isZero();
        int firstRun = AuditLog.lines(cli.auditFile()).size();
        assertThat(cli.run("run", e2e("fails.yaml"), "-p", "dir=" + home).exitCode()).isEqualTo(1);
        List<String> kept = AuditLog.lines(cli.auditFile()).subList(0, firstRun);
        Files.write(cli.auditFile(), kept, StandardCharsets.UTF_8);  // the failed run was never here, says the chain

        Cli.Result cut = cli.run("audit", "verify");

        assertThat(cut.exitCode()).as(cut.toString()).isEqualTo(1);
        assertThat(cut.output()).contains(cli.auditFile() + ":" + (firstRun + 1) + ": events were cut off the end")
                .doesNotContain("chain intact");

        assertThat(cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home).exitCode()).isZero();

        Cli.Result after = cli.run("audit", "verify");
        assertThat(after.exitCode()).as(after.toString()).isEqualTo(1);
        assertThat(after.output()).contains(cli.auditFile() + ":" + (firstRun + 1) + ": events were cut off the end before this line");
        assertThat(AuditLog.types(cli.auditFile()).get(firstRun)).isEqualTo("audit.truncated");
        assertThat(AuditLog.ofType(cli.auditFile(), "run.finished")).hasSize(2);
    }

    @Test
    void theRunThatRecordsACutSaysSoInOneLineOnStderrAndStillRuns() throws IOException {
        assertThat(cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home).exitCode()).isZero();
        long whole = Files.size(cli.auditFile());
        List<String> lines = AuditLog.lines(cli.auditFile());
        Files.write(cli.auditFile(), lines.subList(0, lines.size() - 3), StandardCharsets.UTF_8);
        long cut = Files.size(cli.auditFile());

        Cli.Result next = cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home);
        Cli.Result after = cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home);

        assertThat(next.exitCode()).as(next.toString()).isZero();
        assertThat(next.stderr().lines()).containsExactly("runbook: warning: the audit trail " + cli.auditFile() + " was cut short: "
                + "it no longer holds its last recorded event (it ended at byte " + whole + ", the file now has " + cut + "); "
                + "recorded as an audit.truncated event (see: runbook audit verify)");
        assertThat(next.stdout()).contains("✓ succeeded");
        assertThat(after.exitCode()).as(after.toString()).isZero();
        assertThat(after.stderr()).as("the cut is recorded once, and said once").isEmpty();
    }

    @Test
    void aHeadNotedElsewhereFindsAChainRecomputedAfterAnEditWhichVerifyAloneCannot() throws IOException {
        List<String> lines = auditOfTwoRuns();
        Path trail = home.resolve("trail.jsonl");
        Files.write(trail, lines, StandardCharsets.UTF_8);
        Cli.Result first = cli.run("audit", "verify", trail.toString());
        Matcher head = Pattern.compile("head: line (\\d+), hash ([0-9a-f]{16})\n").matcher(first.stdout());
        assertThat(head.find()).as(first.toString()).isTrue();
        assertThat(head.group(1)).isEqualTo(String.valueOf(lines.size()));
        String noted = head.group(2);
        assertThat(lines.get(lines.size() - 1)).contains("\"hash\":\"" + noted);
        lines.add(lines.get(0));  // anything appended after the noted head leaves it in the chain
        Files.write(trail, rechained(lines), StandardCharsets.UTF_8);
        Cli.Result appended = cli.run("audit", "verify", trail.toString(), "--expect-head", noted.toUpperCase());
        assertThat(appended.exitCode()).as(appended.toString()).isZero();
        assertThat(appended.stdout()).contains("✓ the expected head " + noted + " is still in the chain, at line " + (lines.size() - 1));

        lines.set(1, lines.get(1).replaceFirst("\"ts\":\"\\d{4}", "\"ts\":\"1999"));  // an edit, every hash after it recomputed
        Files.write(trail, rechained(lines), StandardCharsets.UTF_8);
        Cli.Result alone = cli.run("audit", "verify", trail.toString());
        Cli.Result anchored = cli.run("audit", "verify", trail.toString(), "--expect-head", noted);
        Cli.Result typo = cli.run("audit", "verify", trail.toString(), "--expect-head", "abc");

        assertThat(alone.exitCode()).as("what the chain alone cannot tell").isZero();
        assertThat(alone.stdout()).contains("chain intact").doesNotContain(noted);
        assertThat(anchored.exitCode()).as(anchored.toString()).isEqualTo(1);
        assertThat(anchored.stdout()).contains("✗ " + trail + ": the expected head " + noted + " is not in the chain: an event up to"
                + " it was changed or removed and the hashes recomputed, or it was noted from another trail");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.stderr()).contains("--expect-head takes the first 16 to 64 hex digits of an event's hash");
    }

    /** The lines linked anew from genesis, as anyone who can write the file can do: the chain has no key. */
    private static List<String> rechained(List<String> lines) {
        List<String> out = new ArrayList<>();
        String prev = AuditCodec.GENESIS;
        for (String line : lines) {
            AuditCodec.Line l = EventText.chain(EventText.unchain(line), prev);
            out.add(l.text());
            prev = l.hash();
        }
        return out;
    }

    /** The audit of a succeeded and a failed run, made once for the tampering tests (each edits a copy). */
    private static synchronized List<String> auditOfTwoRuns() {
        if (twoRuns == null) {
            Cli shared = Cli.in(sharedHome);
            assertThat(shared.run("run", e2e("succeeds.yaml"), "-p", "dir=" + sharedHome).exitCode()).isZero();
            assertThat(shared.run("run", e2e("fails.yaml"), "-p", "dir=" + sharedHome).exitCode()).isEqualTo(1);
            Cli.Result intact = shared.run("audit", "verify");
            assertThat(intact.exitCode()).as(intact.toString()).isZero();
            twoRuns = List.copyOf(AuditLog.lines(shared.auditFile()));
            assertThat(twoRuns).hasSizeGreaterThan(10);
        }
        return new ArrayList<>(twoRuns);
    }

    private Cli.Result assertBreaksAt(List<String> lines, int lineNo) throws IOException {
        Path copy = home.resolve("tampered.jsonl");
        Files.write(copy, lines, StandardCharsets.UTF_8);

        Cli.Result r = cli.run("audit", "verify", copy.toString());

        assertThat(r.exitCode()).as(r.toString()).isNotZero().isNotEqualTo(2);
        assertThat(r.output()).contains(copy + ":" + lineNo + ":");
        assertThat(r.output()).doesNotContain("chain intact");
        return r;
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 2; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        throw new AssertionError("no line after the second holds " + text);
    }
}
