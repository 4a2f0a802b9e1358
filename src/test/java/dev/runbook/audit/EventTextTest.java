package dev.runbook.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Chaining an event later (PostgreSQL, its spool, an import) gives the file store's exact line. */
class EventTextTest {
    static AuditEvent event(Map<String, Object> data) {
        return new AuditEvent(AuditEvent.VERSION, "20250101-000000-abcdef", 7, "2025-01-01T00:00:00.123456Z", "step.finished",
                new AuditEvent.RunbookRef("deploy", "/srv/deploy.yaml", "ab".repeat(32)), "web-1", "restart",
                new AuditEvent.Actor("ops", "tty"), data, null, null);
    }

    static Map<String, Object> awkwardData() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("outcome", "failed");
        d.put("exit_code", 3);
        d.put("duration_ms", 12L);
        d.put("ratio", 0.1);
        d.put("stderr", "line 1\n\ttab \"quoted\" \\ back\\slash ünïcödé \u0001 end");
        d.put("nested", Map.of("list", List.of(1, "two", true)));
        d.put("nothing", null);
        return d;
    }

    @Test
    void chainingTheUnchainedLineGivesWhatEncodeGives() {
        AuditEvent e = event(awkwardData());
        String prev = AuditCodec.sha256("previous");

        AuditCodec.Line late = EventText.chain(EventText.unchained(e), prev);

        assertThat(late).isEqualTo(AuditCodec.encode(e, prev));
    }

    @Test
    void aChainedLineUnchainedAndChainedAgainIsTheSameLine() {
        AuditEvent e = event(awkwardData());
        AuditCodec.Line original = AuditCodec.encode(e, AuditCodec.GENESIS);

        String unchained = EventText.unchain(original.text());

        assertThat(unchained).isEqualTo(EventText.unchained(e));
        assertThat(EventText.chain(unchained, AuditCodec.GENESIS)).isEqualTo(original);
    }

    @Test
    void theLateLineVerifiesLikeAnyOther() {
        String prev = AuditCodec.GENESIS;
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            AuditCodec.Line l = EventText.chain(EventText.unchained(event(awkwardData())), prev);
            lines.append(l.text()).append('\n');
            prev = l.hash();
        }

        ChainVerifier.Report r = ChainVerifier.verify(lines.toString().lines().toList(), true);

        assertThat(r.intact()).isTrue();
        assertThat(r.events()).isEqualTo(3);
    }

    @Test
    void onlyUnchainedLinesAndRealHashesAreChained() {
        String line = AuditCodec.encode(event(Map.of()), AuditCodec.GENESIS).text();

        assertThatThrownBy(() -> EventText.chain(line, AuditCodec.GENESIS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventText.chain(EventText.unchained(event(Map.of())), "x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(EventText.unchain("not json")).isNull();
    }

    @Test
    void aStoredLineIsVerifiedOnItsBytesAsWritten() {
        String prev = AuditCodec.sha256("previous");
        AuditCodec.Line l = AuditCodec.encode(event(awkwardData()), prev);

        assertThat(EventText.verifiedHash(l.text(), prev)).isEqualTo(l.hash());
        assertThat(EventText.verifiedHash(l.text(), AuditCodec.GENESIS)).as("linked elsewhere").isNull();
        assertThat(EventText.verifiedHash(l.text().replace("\"failed\"", "\"ok\""), prev)).as("edited").isNull();
        assertThat(EventText.verifiedHash(l.text().replace("\"web-1\"", "\"web-2\""), prev)).as("edited").isNull();
        assertThat(EventText.verifiedHash(l.text().replace("\"outcome\":", "\"outcome\": "), prev)).as("reformatted").isNull();
        assertThat(EventText.verifiedHash(l.text().substring(0, 200), prev)).as("torn").isNull();
        assertThat(EventText.verifiedHash("{" + l.text().substring(20), prev)).as("cut at the front").isNull();
        assertThat(EventText.verifiedHash("", prev)).isNull();
    }

    @Test
    void aLineReformattedAfterItWasWrittenIsJudgedOnItsContentAndAnEditOnItsBytes() {
        String prev = AuditCodec.GENESIS;
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            AuditCodec.Line l = AuditCodec.encode(event(awkwardData()), prev);
            lines.add(l.text());
            prev = l.hash();
        }
        lines.set(1, lines.get(1).replace("\"outcome\":", "\"outcome\" : "));

        ChainVerifier.Report reformatted = ChainVerifier.verify(lines, true);

        assertThat(reformatted.intact()).isTrue();
        assertThat(reformatted.events()).isEqualTo(4);

        lines.set(2, lines.get(2).replace("\"exit_code\":3", "\"exit_code\":0"));

        ChainVerifier.Report edited = ChainVerifier.verify(lines, true);

        assertThat(edited.breakLine()).isEqualTo(3);
        assertThat(edited.problem()).startsWith("content altered");
        assertThat(edited.events()).isEqualTo(2);
    }
}
