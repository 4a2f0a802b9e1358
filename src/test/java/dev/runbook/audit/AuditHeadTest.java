package dev.runbook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Events cut off the end of an audit file are found by the next writer and by verify, through the head file. */
class AuditHeadTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("audit.jsonl");
    }

    private Path head() {
        return dir.resolve("audit.jsonl.head");
    }

    private static AuditEvent event(String run, long seq, String type) {
        return new AuditEvent(AuditEvent.VERSION, run, seq, Instant.now().toString(), type,
                new AuditEvent.RunbookRef("deploy", "/srv/deploy.yaml", "ab".repeat(32)), null, null,
                new AuditEvent.Actor("ops", "tty"), Map.of("n", seq), null, null);
    }

    /** One run as the engine writes it: durable start and end, a non-durable event between. */
    private void run(String id) {
        try (JsonlAuditTrail t = new JsonlAuditTrail(file())) {
            t.append(event(id, 1, "run.started"), true);
            t.append(event(id, 2, "condition.evaluated"), false);
            t.append(event(id, 3, "run.finished"), true);
        }
    }

    private List<String> lines() throws IOException {
        return Files.readAllLines(file(), StandardCharsets.UTF_8);
    }

    private List<String> types() throws IOException {
        List<String> types = new java.util.ArrayList<>();
        for (String l : lines()) {
            var n = AuditCodec.parse(l);
            types.add(n == null ? "(not an event)" : n.path("type").asText());
        }
        return types;
    }

    private void keepLines(int n) throws IOException {
        List<String> kept = lines().subList(0, n);
        Files.writeString(file(), String.join("\n", kept) + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    @Test
    void theHeadIsAPrivateFileNamingTheNewestDurableEvent() throws IOException {
        run("r1");

        String newest = AuditCodec.trailingHash(lines().get(2));
        assertThat(Files.readString(head())).isEqualTo(newest + " " + String.format("%020d", Files.size(file())) + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(head()))).isEqualTo("rw-------");
        assertThat(ChainVerifier.verify(file()).intact()).isTrue();
    }

    @Test
    void verifyReportsEventsCutOffTheEndThatTheChainAloneCannotShow() throws IOException {
        run("r1");
        run("r2");
        keepLines(3);  // the second run is gone; what is left is a perfect chain

        ChainVerifier.Report r = ChainVerifier.verify(file());

        assertThat(r.intact()).isFalse();
        assertThat(r.breakLine()).isEqualTo(4);
        assertThat(r.problem()).startsWith("events were cut off the end").contains("does not hold");
        assertThat(r.events()).isEqualTo(3);
    }

    @Test
    void theNextWriterRecordsTheCutBeforeItsOwnEventAndVerifyKeepsReportingIt() throws IOException {
        run("r1");
        run("r2");
        keepLines(3);

        run("r3");

        assertThat(types()).containsExactly("run.started", "condition.evaluated", "run.finished", "audit.truncated",
                "run.started", "condition.evaluated", "run.finished");
        JsonNode cut = new ObjectMapper().readTree(lines().get(3)).path("data");
        assertThat(cut.path("head_size").asLong()).isGreaterThan(cut.path("size").asLong());
        ChainVerifier.Report r = ChainVerifier.verify(file());
        assertThat(r.breakLine()).isEqualTo(4);
        assertThat(r.problem()).startsWith("events were cut off the end before this line");
        assertThat(r.events()).as("the chain after the cut is checked too").isEqualTo(7);
    }

    @Test
    void aHeadBehindTheFileIsNoCutNonDurableEventsAndCrashesLeaveItThere() throws IOException {
        run("r1");
        try (JsonlAuditTrail t = new JsonlAuditTrail(file())) {
            t.append(event("r2", 1, "step.skipped"), false);
        }

        assertThat(ChainVerifier.verify(file()).intact()).isTrue();
        run("r3");
        assertThat(types()).doesNotContain("audit.truncated");
        assertThat(ChainVerifier.verify(file()).intact()).isTrue();
    }

    @Test
    void aTornLastLineIsACrashNotACut() throws IOException {
        run("r1");
        Files.writeString(file(), "{\"v\":1,\"run_id\":\"r2\",\"seq\":1,\"ts\":\"20", StandardOpenOption.APPEND);

        run("r2");

        assertThat(types()).containsExactly("run.started", "condition.evaluated", "run.finished", "(not an event)",
                "audit.torn", "run.started", "condition.evaluated", "run.finished");
        ChainVerifier.Report r = ChainVerifier.verify(file());
        assertThat(r.intact()).as(String.valueOf(r)).isTrue();
    }

    /** The writer looks back from the end a little at a time: events and torn lines longer than its first look still chain. */
    @ParameterizedTest
    @ValueSource(ints = {100, 20_000, 300_000})
    void eventsAndTornLinesLongerThanTheFirstLookBackStillChain(int length) throws IOException {
        run("r1");
        try (JsonlAuditTrail t = new JsonlAuditTrail(file())) {
            t.append(new AuditEvent(AuditEvent.VERSION, "r2", 1, Instant.now().toString(), "step.finished",
                    new AuditEvent.RunbookRef("deploy", "/srv/deploy.yaml", "ab".repeat(32)), null, "build",
                    new AuditEvent.Actor("ops", "tty"), Map.of("stdout", "x".repeat(length)), null, null), true);
        }
        run("r3");
        assertThat(ChainVerifier.verify(file()).intact()).isTrue();

        String torn = "{\"v\":1,\"run_id\":\"r4\",\"data\":\"" + "y".repeat(length);
        Files.writeString(file(), torn, StandardOpenOption.APPEND);
        run("r5");

        assertThat(types()).containsExactly("run.started", "condition.evaluated", "run.finished", "step.finished",
                "run.started", "condition.evaluated", "run.finished", "(not an event)",
                "audit.torn", "run.started", "condition.evaluated", "run.finished");
        ChainVerifier.Report r = ChainVerifier.verify(file());
        assertThat(r.intact()).as(String.valueOf(r)).isTrue();
        assertThat(AuditCodec.parse(lines().get(8)).path("data").path("bytes").asInt()).isEqualTo(torn.length());
    }

    @Test
    void aDeletedTrailStartsAgainWithTheCutOnRecord() throws IOException {
        run("r1");
        Files.delete(file());

        run("r2");

        assertThat(types()).first().isEqualTo("audit.truncated");
        assertThat(ChainVerifier.verify(file()).breakLine()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"text", "bytes that are not UTF-8"})
    void anAlteredHeadVouchesForNothingAndSaysSo(String kind) throws IOException {
        run("r1");
        Files.write(head(), kind.equals("text") ? "garbage\n".getBytes(StandardCharsets.US_ASCII)
                : new byte[] {(byte) 0xff, (byte) 0xfe, 0, 0x41, (byte) 0xc3});

        assertThat(ChainVerifier.verify(file()).problem()).contains("not a head record");
        run("r2");
        assertThat(types()).contains("audit.truncated");
    }

    @Test
    void aTrailFromBeforeHeadsVerifiesAndGetsOneWithItsNextDurableEvent() throws IOException {
        run("r1");
        Files.delete(head());

        assertThat(ChainVerifier.verify(file()).intact()).isTrue();
        run("r2");
        assertThat(types()).doesNotContain("audit.truncated");
        assertThat(head()).exists();
        assertThat(ChainVerifier.verify(file()).intact()).isTrue();
    }

    @Test
    void theHeadIsRewrittenInPlaceAtItsFixedWidth() throws IOException {
        run("r1");
        long first = Files.size(head());
        run("r2");

        assertThat(Files.size(head())).isEqualTo(first).isEqualTo(86);
        try (FileChannel ch = FileChannel.open(file())) {
            assertThat(AuditHead.read(head()).heldBy(ch, ch.size())).isTrue();
        }
    }
}
