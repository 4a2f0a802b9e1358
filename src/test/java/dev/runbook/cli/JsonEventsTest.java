package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.exec.OutputListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --output json} keeps the order of events and output lines while writing output in blocks. */
class JsonEventsTest {
    private static AuditEvent event(String type, String step) {
        return new AuditEvent(1, "r1", 0, "2026-11-27T00:00:00Z", type, new AuditEvent.RunbookRef("rb", "rb.yaml", "0"),
                "localhost", step, new AuditEvent.Actor("sre", "flag"), Map.of(), null, null);
    }

    @Test
    void outputLinesComeBetweenTheirStepsEventsAndAllArriveByTheEnd() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        JsonEvents json = new JsonEvents(new PrintStream(buf, true, StandardCharsets.UTF_8));

        json.event(event("step.started", "dump"));
        for (int i = 0; i < 3000; i++) {
            json.output("localhost", "dump", OutputListener.Stream.STDOUT, "line " + i);
        }
        json.event(event("step.finished", "dump"));
        json.output("localhost", "late", OutputListener.Stream.STDERR, "after the step");
        json.close();

        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3003);
        assertThat(lines.get(0)).contains("\"type\":\"step.started\"");
        assertThat(lines.get(1)).contains("\"type\":\"step.output\"").contains("\"line\":\"line 0\"");
        assertThat(lines.get(3000)).contains("\"line\":\"line 2999\"");
        assertThat(lines.get(3001)).contains("\"type\":\"step.finished\"");
        assertThat(lines.get(3002)).contains("\"stream\":\"stderr\"").contains("after the step");
    }
}
