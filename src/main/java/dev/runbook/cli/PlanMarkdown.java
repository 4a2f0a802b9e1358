package dev.runbook.cli;

import dev.runbook.engine.PlanEntry;
import dev.runbook.engine.RunOutcome;
import dev.runbook.model.Runbook;
import dev.runbook.model.Visible;
import java.util.ArrayList;
import java.util.List;

/**
 * A plan as Markdown, for a review. Every value in it may come from a param, an inventory or a
 * probe's output, so each is written so that it renders as itself and nothing more: text with the
 * characters Markdown and HTML give a meaning escaped, code in spans and fences longer than any
 * run of backticks inside (CommonMark), control characters and line breaks made visible. A value
 * cannot close a fence, open an HTML comment, start a heading or add a table cell, and so cannot
 * hide or rewrite the rest of the plan a reviewer approves.
 */
final class PlanMarkdown {
    /** Escaped wherever they stand: each can start emphasis, a link, HTML, code, a heading, a table cell or (on GitHub) math. */
    private static final String ALWAYS = "\\`*[]<|#~$";

    private PlanMarkdown() {}

    static String of(Runbook rb, RunOutcome o) {
        StringBuilder b = new StringBuilder();
        b.append("# Plan: ").append(code(rb.name())).append("\n\n");
        if (rb.description() != null) {
            b.append(paragraphs(rb.description().strip())).append("\n\n");
        }
        b.append("Dry run: nothing was changed.\n\n");
        b.append("- **Targets:** ").append(String.join(", ", o.targets().stream().map(PlanMarkdown::code).toList())).append('\n');
        if (FanOutText.shown(rb.fanOut(), o.targets())) {
            b.append("- **Fan-out:** ").append(text(FanOutText.describe(rb.fanOut(), o.targets()))).append('\n');
        }
        if (!o.params().isEmpty()) {
            List<String> params = new ArrayList<>();
            o.params().forEach((k, v) -> params.add(code(k + "=" + dev.runbook.expr.Functions.str(v))));
            b.append("- **Params:** ").append(String.join(", ", params)).append('\n');
        }
        long gates = o.plan().stream().filter(e -> e.gate() != null).count();
        // a step the plan already knows is skipped changes nothing
        long mutating = o.plan().stream().filter(e -> e.mutating() && !Boolean.FALSE.equals(e.decided())).count();
        b.append("- **Steps:** ").append(o.plan().size()).append(" (").append(mutating).append(" that change something, ")
                .append(gates).append(" confirmation gate").append(gates == 1 ? "" : "s").append(")\n\n");
        table(b, o.plan());
        b.append("\n## Steps\n");
        int n = 0;
        for (PlanEntry e : o.plan()) {
            step(b, ++n, e);
        }
        return b.toString();
    }

    private static void table(StringBuilder b, List<PlanEntry> plan) {
        b.append("| # | Step | Host | Kind | Runs when | Gate |\n|---|---|---|---|---|---|\n");
        int n = 0;
        for (PlanEntry e : plan) {
            b.append("| ").append(++n).append(" | ").append("&nbsp;&nbsp;".repeat(e.depth())).append(cellCode(e.stepId()))
                    .append(e.section().equals("steps") || e.section().equals("block") || e.section().equals("call") ? "" : " (" + e.section() + ")")
                    .append(" | ").append(text(e.host())).append(" | ").append(e.kind()).append(PlanRenderer.tags(e)).append(" | ")
                    .append(e.condition() != null ? conditionPlain(e, true) : Boolean.FALSE.equals(e.decided()) ? "skipped" : "always").append(" | ")
                    .append(e.gate() == null ? "" : "⏸ " + text(e.gate()) + (e.gateWord() == null ? "" : " (type " + cellCode(e.gateWord()) + ")"))
                    .append(" |\n");
        }
    }

    private static void step(StringBuilder b, int n, PlanEntry e) {
        b.append("\n### ").append(n).append(". ").append(code(e.stepId())).append(" on ").append(text(e.host()));
        if (!e.label().equals(e.stepId().substring(e.stepId().lastIndexOf('/') + 1))) {
            b.append(": ").append(text(e.label()));
        }
        b.append("\n\n");
        if (e.condition() != null) {
            b.append("- Condition: ").append(code(e.condition())).append(": ").append(conditionPlain(e, false)).append('\n');
        }
        if (PlanRenderer.runsOnly(e) != null) {
            b.append("- Runs ").append(PlanRenderer.runsOnly(e)).append('\n');
        }
        if (e.gate() != null) {
            b.append("- **Stops for confirmation:** ").append(text(e.gate())).append('\n');
        }
        for (String d : e.details()) {
            b.append("- ").append(text(d.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + d.substring(1))).append('\n');
        }
        if (e.note() != null) {
            b.append("- ").append(text(e.note())).append('\n');
        }
        if (e.probe() != null) {
            b.append("- Probed: ").append(text(PlanRenderer.probe(e.probe()))).append('\n');
        }
        if (e.error() != null) {
            b.append("- **Would fail:** ").append(text(e.error())).append('\n');
        }
        if (e.rendered() != null && !e.rendered().isBlank() && !e.kind().equals("confirm")) {
            b.append('\n').append(fenced(e.rendered().strip(), language(e.kind())));
        }
    }

    private static String conditionPlain(PlanEntry e, boolean inTable) {
        if (e.decided() == null) {
            return "decided at run time (waits on " + String.join(", ", e.dependsOn().stream()
                    .map(s -> inTable ? cellCode(s) : code(s)).toList()) + ")";
        }
        return e.decided() ? "true: runs" : "false: skipped";
    }

    /**
     * Text that renders as itself: on one line, with every character that could start Markdown or
     * HTML escaped, and the first one escaped too when it could start a block (a list, a quote, a
     * heading's underline), as the text may stand at the start of a line. Some characters are left
     * bare where CommonMark gives them no meaning, so that plans stay readable as source:
     * {@code _} inside a word ({@code audit_logs}), {@code &} not followed by what makes an entity
     * ({@code &&}), {@code >} after the start (it can only close HTML, whose {@code <} is escaped).
     */
    static String text(String s) {
        String line = Visible.line(s);
        StringBuilder b = new StringBuilder(line.length() + 8);
        for (int i = 0; i < line.length(); i++) {
            if (significant(line, i)) {
                b.append('\\');
            }
            b.append(line.charAt(i));
        }
        return b.toString();
    }

    private static boolean significant(String line, int i) {
        char c = line.charAt(i);
        if (ALWAYS.indexOf(c) >= 0) {
            return true;
        }
        if (i == 0 && (c == '-' || c == '+' || c == '=' || c == '>')) {
            return true;
        }
        char next = i + 1 < line.length() ? line.charAt(i + 1) : ' ';
        return switch (c) {
            case '_' -> !inWord(line, i);
            case '&' -> Character.isLetter(next) || next == '#';
            // "1. " or "1) " at the start is an ordered list
            case '.', ')' -> i > 0 && line.substring(0, i).chars().allMatch(d -> d >= '0' && d <= '9') && (next == ' ' || next == '\t');
            default -> false;
        };
    }

    /** Whether the run of underscores at {@code i} has a letter or digit on both sides: it cannot open or close emphasis. */
    private static boolean inWord(String s, int i) {
        int from = i;
        int to = i;
        while (from > 0 && s.charAt(from - 1) == '_') {
            from--;
        }
        while (to < s.length() - 1 && s.charAt(to + 1) == '_') {
            to++;
        }
        return from > 0 && to < s.length() - 1 && Character.isLetterOrDigit(s.charAt(from - 1)) && Character.isLetterOrDigit(s.charAt(to + 1));
    }

    /** A description's paragraphs as they were written, each line as {@link #text}: blank lines stay, indentation goes. */
    private static String paragraphs(String description) {
        return String.join("\n", description.lines().map(l -> l.isBlank() ? "" : text(l.strip())).toList());
    }

    /** An inline code span that shows {@code s} on one line, whatever backticks or spaces it holds. */
    static String code(String s) {
        String line = Visible.line(s);
        if (line.isEmpty()) {
            return "` `";
        }
        String ticks = "`".repeat(longestRun(line, '`') + 1);
        // CommonMark strips one space from each end of a span: padding keeps a backtick at an end apart from the fence
        boolean pad = line.startsWith("`") || line.endsWith("`") || line.startsWith(" ") || line.endsWith(" ");
        return pad ? ticks + " " + line + " " + ticks : ticks + line + ticks;
    }

    /**
     * A code span inside a table row, where a pipe ends the cell even in a span unless escaped. A
     * backslash right before a pipe is read differently by different table parsers: such a value
     * is written as escaped text instead, which renders the same characters.
     */
    private static String cellCode(String s) {
        String line = Visible.line(s);
        return line.contains("\\|") ? text(line) : code(line).replace("|", "\\|");
    }

    /** A fenced code block whose fence is longer than any run of backticks in it, so that no line of it can close it. */
    static String fenced(String content, String language) {
        String body = Visible.lines(content);
        String fence = "`".repeat(Math.max(3, longestRun(body, '`') + 1));
        return fence + language + '\n' + body + '\n' + fence + '\n';
    }

    private static int longestRun(String s, char c) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            run = s.charAt(i) == c ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    private static String language(String kind) {
        return switch (kind) {
            case "run", "script" -> "sh";
            case "sql" -> "sql";
            default -> "";
        };
    }
}
