package dev.runbook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * history and show read the file store from its end and decode only the lines they need: on a
 * trail of hundreds of runs, with long events, interleaved and unfinished runs, a taken-over lock
 * and a torn line, they answer exactly what decoding every line answers.
 */
class FileAuditReaderTest {
    @TempDir
    Path dir;

    private Path file;
    private History everything;
    private final List<String> ids = new ArrayList<>();
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private int clock;

    private AuditEvent event(String run, String runbook, long seq, String type, Map<String, Object> data) {
        return new AuditEvent(AuditEvent.VERSION, run, seq, t0.plusSeconds(clock++).toString(), type,
                new AuditEvent.RunbookRef(runbook, "/srv/" + runbook + ".yaml", "ab".repeat(32)), null, null,
                new AuditEvent.Actor("ops", "tty"), data, null, null);
    }

    private static Map<String, Object> started(Map<String, Object> extra) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("targets", List.of("localhost"));
        d.put("pid", 1L);
        d.put("machine", "elsewhere.example");
        d.putAll(extra);
        return d;
    }

    @BeforeEach
    void writeTrail() throws IOException {
        file = dir.resolve("audit.jsonl");
        try (JsonlAuditTrail t = new JsonlAuditTrail(file)) {
            t.append(event("20260101-000000-long00", "migrate", 1, "run.started", started(Map.of())), true);
            t.append(event("20260101-000000-stuck0", "deploy", 1, "run.started", started(Map.of())), true);
            for (int i = 0; i < 300; i++) {
                String id = String.format("20260102-%06d-%06x", i, i * 7919);
                ids.add(id);
                String runbook = i % 3 == 0 ? "backup" : "deploy";
                t.append(event(id, runbook, 1, "run.started", started(i == 150
                        ? Map.of("lock_taken_over_from", Map.of("run_id", "20260101-000000-stuck0")) : Map.of())), true);
                t.append(event(id, runbook, 2, "step.finished", Map.of("outcome", "ok", "stdout", i % 50 == 0 ? "x".repeat(150_000) : "ok")), false);
                if (i % 40 == 0) {
                    t.append(event("20260101-000000-long00", "migrate", i + 2, "step.finished", Map.of("outcome", "ok")), false);
                }
                if (i != 299) {
                    t.append(event(id, runbook, 3, "run.finished", Map.of("status", i % 7 == 0 ? "failed" : "succeeded", "duration_ms", i)), true);
                }
                if (i == 200) {
                    Files.writeString(file, "{\"v\":1,\"run_id\":\"20260102-torn", StandardOpenOption.APPEND);
                }
            }
            t.append(event("20260101-000000-long00", "migrate", 999, "run.finished", Map.of("status", "succeeded", "duration_ms", 5)), true);
        }
        List<AuditEvent> all = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            var n = AuditCodec.parse(line);
            if (n != null && n.hasNonNull("run_id")) {
                all.add(AuditCodec.decode(n));
            }
        }
        everything = History.of(all);
        assertThat(all).extracting(AuditEvent::type).contains("audit.torn");
    }

    @Test
    void historyListsWhatDecodingEveryLineLists() {
        FileAuditReader reader = new FileAuditReader(file);
        for (int limit : new int[] {1, 2, 20, 151, 1000}) {
            for (String runbook : new String[] {null, "deploy", "backup", "migrate", "none"}) {
                assertThat(reader.runs(runbook, limit)).as("runbook %s, limit %d", runbook, limit)
                        .isEqualTo(everything.runs(runbook, limit));
            }
        }
        assertThat(reader.runs(null, 1000)).hasSize(302).extracting(History.Run::runId)
                .contains("20260101-000000-long00", "20260101-000000-stuck0");
        assertThat(reader.runs(null, 1000)).filteredOn(r -> r.runId().equals("20260101-000000-stuck0"))
                .extracting(History.Run::status).containsExactly("died");
        assertThat(reader.runs(null, 1).get(0).status()).as("the last run has no end event").isEqualTo("running");
    }

    @Test
    void showFindsRunsByIdPrefixAndLastAsDecodingEveryLineDoes() {
        FileAuditReader reader = new FileAuditReader(file);
        List<String> asked = new ArrayList<>(List.of("last", "20260101-000000-long00", "20260101-000000-long", "20260101",
                "20260102-000150", "2026", "nope", ""));
        asked.addAll(ids.subList(0, 5));
        asked.addAll(ids.subList(295, 300));
        for (String id : asked) {
            assertThat(reader.run(id)).as(id).isEqualTo(everything.run(id));
        }
        assertThat(reader.run("20260101-000000-long")).hasSize(10);
        assertThat(reader.run("last")).extracting(AuditEvent::runId).containsOnly(ids.get(299));
        assertThat(reader.run("20260102-000050")).extracting(AuditEvent::type)
                .containsExactly("run.started", "step.finished", "run.finished");
    }

    @Test
    void anAmbiguousPrefixFindsNoRunButNamesTheRunsItMatches() {
        FileAuditReader reader = new FileAuditReader(file);

        assertThat(reader.run("20260101")).isEmpty();
        assertThat(reader.runIds("20260101", 6)).containsExactly("20260101-000000-long00", "20260101-000000-stuck0");
        assertThat(reader.runIds("20260102", 3)).containsExactly(ids.get(0), ids.get(1), ids.get(2));
        assertThat(reader.runIds(ids.get(7), 3)).containsExactly(ids.get(7));
        assertThat(reader.runIds("nope", 3)).isEmpty();
    }
}
