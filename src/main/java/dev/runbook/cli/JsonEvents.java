package dev.runbook.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.AuditEvent;
import dev.runbook.engine.RunListener;
import dev.runbook.exec.OutputListener;
import java.io.PrintStream;

/** {@code --output json}: every event as one JSON line on stdout, output lines as {@code step.output}. */
final class JsonEvents implements RunListener {
    private final PrintStream out;
    private String runId;

    JsonEvents(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void event(AuditEvent e) {
        runId = e.runId();
        ObjectNode n = AuditCodec.body(e);
        n.remove("prev");
        out.println(n);
        out.flush();
    }

    @Override
    public synchronized void output(String host, String step, OutputListener.Stream stream, String line) {
        ObjectNode n = dev.runbook.expr.Json.mapper().createObjectNode();
        n.put("type", "step.output");
        n.put("run_id", runId);
        n.put("host", host);
        n.put("step", step);
        n.put("stream", stream.name().toLowerCase(java.util.Locale.ROOT));
        n.put("line", line);
        out.println(n);
    }

    @Override
    public synchronized void notice(String message) {
        ObjectNode n = dev.runbook.expr.Json.mapper().createObjectNode();
        n.put("type", "notice");
        n.put("message", message);
        out.println(n);
    }
}
