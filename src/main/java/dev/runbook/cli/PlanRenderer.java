package dev.runbook.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.runbook.engine.PlanEntry;
import dev.runbook.engine.RunOutcome;
import dev.runbook.engine.StepResult;
import dev.runbook.expr.JsonValues;
import dev.runbook.model.Runbook;
import dev.runbook.model.Visible;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A dry run for people (text; markdown for a review is {@link PlanMarkdown}) and machines (json). */
final class PlanRenderer {
    private PlanRenderer() {}

    /** Made for {@code --format json} only: an ObjectMapper costs a text or markdown plan 60 ms or more. */
    private static final class PrettyJson {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    static String text(Runbook rb, RunOutcome o, Terminal t) {
        StringBuilder b = new StringBuilder();
        // names, params, commands, prompts and probes' output may come from outside: shown with control characters escaped
        b.append(t.bold("Plan for " + Visible.line(rb.name()))).append(" (dry run: nothing was changed)\n");
        if (rb.description() != null) {
            b.append(Visible.lines(rb.description().strip())).append('\n');
        }
        b.append("targets: ").append(Visible.line(String.join(", ", o.targets()))).append('\n');
        if (FanOutText.shown(rb.fanOut(), o.targets())) {
            b.append("fan-out: ").append(Visible.line(FanOutText.describe(rb.fanOut(), o.targets()))).append('\n');
        }
        if (!o.params().isEmpty()) {
            b.append("params:  ").append(Visible.line(params(o))).append('\n');
        }
        String section = "steps";
        int n = 0;
        boolean multiHost = o.targets().size() > 1;
        for (PlanEntry e : o.plan()) {
            if (!e.section().equals(section) && (e.section().equals("finally") || section.equals("finally")) && e.depth() == 0) {
                section = e.section();
                b.append('\n').append(t.bold(section + ":")).append('\n');
            }
            String indent = "  ".repeat(e.depth() + 1);
            String head = (++n) + ". " + Visible.line(e.stepId() + (multiHost ? " @" + e.host() : "")) + "  " + t.dim(e.kind() + tags(e));
            b.append(indent).append(head).append('\n');
            String inner = indent + "     ";
            if (runsOnly(e) != null) {
                b.append(inner).append(t.yellow(e.section() + ": " + runsOnly(e))).append('\n');
            }
            if (e.condition() != null) {
                b.append(inner).append(condition(e, t)).append('\n');
            }
            if (e.gate() != null) {
                b.append(inner).append(t.yellow("⏸ stops for confirmation: " + Visible.line(e.gate())
                        + (e.gateWord() == null ? "" : " (type '" + Visible.line(e.gateWord()) + "')"))).append('\n');
            }
            if (e.rendered() != null && !e.rendered().isBlank() && !e.kind().equals("confirm")) {
                for (String line : e.rendered().split("\n")) {
                    b.append(inner).append(t.dim("│ ")).append(Visible.line(line)).append('\n');
                }
            }
            for (String d : e.details()) {
                b.append(inner).append(t.dim(Visible.line(d))).append('\n');
            }
            if (e.note() != null) {
                b.append(inner).append(t.dim(Visible.line(e.note()))).append('\n');
            }
            if (e.probe() != null) {
                b.append(inner).append("probed: ").append(Visible.line(probe(e.probe()))).append('\n');
            }
            if (e.error() != null) {
                b.append(inner).append(t.red("✗ would fail: " + Visible.line(e.error()))).append('\n');
            }
        }
        return b.toString();
    }

    static String json(Runbook rb, RunOutcome o) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("runbook", rb.name());
        root.put("description", rb.description());
        root.put("targets", o.targets());
        root.put("fan_out", FanOutText.json(rb.fanOut(), o.targets()));
        root.put("params", JsonValues.forJson(o.params()));
        List<Map<String, Object>> steps = new ArrayList<>();
        for (PlanEntry e : o.plan()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", e.stepId());
            m.put("name", e.label());
            m.put("section", e.section());
            m.put("depth", e.depth());
            m.put("host", e.host());
            m.put("kind", e.kind());
            m.put("rendered", e.rendered());
            m.put("condition", e.condition());
            m.put("decided", e.decided());
            m.put("depends_on", e.dependsOn());
            m.put("gate", e.gate());
            m.put("gate_word", e.gateWord());
            m.put("readonly", e.readonly());
            m.put("mutating", e.mutating());
            m.put("note", e.note());
            m.put("details", e.details());
            m.put("error", e.error());
            if (e.probe() != null) {
                m.put("probe", JsonValues.forJson(e.probe().toScope()));
            }
            steps.add(m);
        }
        root.put("steps", steps);
        try {
            return PrettyJson.MAPPER.writeValueAsString(root) + "\n";
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String params(RunOutcome o) {
        List<String> parts = new ArrayList<>();
        o.params().forEach((k, v) -> parts.add(k + "=" + dev.runbook.expr.Functions.str(v)));
        return String.join(", ", parts);
    }

    /** When a step of a rescue, always or on_failure list runs, which a plan shows beside the others. */
    static String runsOnly(PlanEntry e) {
        return switch (e.section()) {
            case "rescue" -> "only if a step of its block fails";
            case "on_failure" -> "only if the step it handles fails";
            case "always" -> "after its block, whatever happened there";
            default -> null;
        };
    }

    static String tags(PlanEntry e) {
        List<String> tags = new ArrayList<>();
        if (e.readonly()) {
            tags.add("readonly");
        }
        if (e.mutating()) {
            tags.add("changes");
        }
        return tags.isEmpty() ? "" : " (" + String.join(", ", tags) + ")";
    }

    private static String condition(PlanEntry e, Terminal t) {
        String s = "when " + Visible.line(e.condition()) + ": ";
        if (e.decided() == null) {
            return s + t.yellow("decided at run time (waits on " + Visible.line(String.join(", ", e.dependsOn())) + ")");
        }
        return s + (e.decided() ? t.green("true, runs") : t.dim("false, skipped"));
    }

    static String probe(StepResult r) {
        Object out = r.fields().get("stdout");
        String text = out == null ? "" : String.valueOf(out).strip();
        if (text.length() > 120) {
            text = text.substring(0, 120) + "...";
        }
        return r.outcome().label() + (r.message() == null ? "" : " (" + r.message() + ")") + (text.isEmpty() ? "" : ": " + text.replace('\n', ' '));
    }
}
