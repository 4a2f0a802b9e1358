package dev.runbook.cli;

import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.AuditEvent;
import dev.runbook.engine.RunListener;
import dev.runbook.exec.OutputListener;
import dev.runbook.expr.Json;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --output json}: every event as one JSON line on stdout, as the audit trail has it without
 * {@code prev} and {@code hash}; output lines as {@code step.output}. Written with the streaming
 * generator, like the audit, so no ObjectMapper is made.
 */
final class JsonEvents implements RunListener {
    private final PrintStream out;
    private String runId;
    /** step.output lines, written in blocks (see {@link LineBatch}); events flush them first. */
    private final LineBatch lines;

    JsonEvents(PrintStream out) {
        this.out = out;
        this.lines = new LineBatch(this, text -> {
            out.print(text);
            out.flush();
        });
    }

    @Override
    public synchronized void event(AuditEvent e) {
        lines.flush();
        runId = e.runId();
        Map<String, Object> n = AuditCodec.fields(e, null);
        n.remove("prev");
        out.println(Json.write(n));
        out.flush();
    }

    /** Writes the output lines still gathered; the caller's next line comes after them. */
    synchronized void close() {
        lines.close();
    }

    @Override
    public synchronized void output(String host, String step, OutputListener.Stream stream, String line) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("type", "step.output");
        n.put("run_id", runId);
        n.put("host", host);
        n.put("step", step);
        n.put("stream", stream.name().toLowerCase(Locale.ROOT));
        n.put("line", line);
        lines.add(Json.write(n));
    }

    /** Whether the run started: its first event, run.started, was written. */
    synchronized boolean started() {
        return runId != null;
    }

    /**
     * The line that tells why a run never started ({@code run.refused}): not an audited event, as
     * nothing ran; the message is what stderr says, every diagnostic when there were several.
     */
    static String refused(Main.Refusal refusal) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("type", "run.refused");
        n.put("exit_code", refusal.exitCode());
        n.put("message", refusal.message());
        if (refusal.lines().size() > 1) {
            n.put("diagnostics", refusal.lines());
        }
        return Json.write(n);
    }

    /**
     * The line that ends a run that started and could not finish ({@code run.error}, after which no
     * {@code run.finished} comes): not an audited event, as the audit trail is what failed.
     */
    synchronized String error(Main.Refusal refusal) {
        lines.close();
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("type", "run.error");
        n.put("run_id", runId);
        n.put("exit_code", refusal.exitCode());
        n.put("message", refusal.message());
        return Json.write(n);
    }

    @Override
    public synchronized void notice(String message) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("type", "notice");
        n.put("message", message);
        lines.flush();
        out.println(Json.write(n));
    }
}
