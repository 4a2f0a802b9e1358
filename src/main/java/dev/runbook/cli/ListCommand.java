package dev.runbook.cli;

import dev.runbook.load.RunbookLoader;
import dev.runbook.model.Param;
import dev.runbook.model.Visible;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

final class ListCommand implements Callable<Integer>, CliSpec.Command {
    final CommonOptions common = new CommonOptions();

    @Override
    public CliSpec spec() {
        return common.addTo(CliSpec.command("list", this, "List the runbooks on the search path (runbooks/, then RUNBOOK_PATH)."));
    }

    @Override
    public Integer call() {
        Wiring wiring = Wiring.fromSystem();
        Terminal term = Terminal.system(common.noColor);
        // an entry that is no directory lists nothing; said once each, or a runbook would seem to vanish without a word
        for (String skipped : wiring.loader.paths().skipped()) {
            term.err.println("runbook: warning: " + Visible.line(skipped) + "; skipped");
        }
        List<Path> files = wiring.loader.paths().all();
        if (files.isEmpty()) {
            term.out.println("no runbooks in " + wiring.loader.paths().describe());
            return ExitCodes.OK;
        }
        for (Path f : files) {
            RunbookLoader.Loaded l = wiring.loader.load(f);
            String name = f.getFileName().toString().replaceFirst("\\.ya?ml$", "");
            if (!l.ok()) {
                long errors = l.diagnostics().stream().filter(d -> d.isError()).count();
                term.out.println(term.red(Visible.line(String.format("%-24s invalid (%d errors: runbook validate %s)", name, errors, RunbookLoader.label(f)))));
                continue;
            }
            var rb = l.runbook();
            String desc = Visible.line(firstSentence(rb.description()));
            // the name to type is the file's: a different name: is shown beside it, as history and show will say it
            String declared = rb.name().equals(name) ? "" : term.dim("(name: " + Visible.line(rb.name()) + ")") + " ";
            term.out.println(term.bold(String.format("%-24s", Visible.line(name))) + " " + declared + desc);
            for (Param p : rb.params().values()) {
                String type = p.type() == Param.ParamType.ENUM ? String.join("|", p.values()) : p.type().yamlName();
                term.out.println(term.dim(Visible.line(String.format("%-24s   -p %s=<%s>%s", "", p.name(), type,
                        p.defaultValue() != null ? " (default " + (p.secret() ? dev.runbook.expr.Secret.MASK : shown(p.defaultValue())) + ")" : p.required() ? " (required)" : ""))));
            }
        }
        return ExitCodes.OK;
    }

    /**
     * The description's first sentence, whole, on one line: a description wrapped over several lines
     * would otherwise be cut where its first line ends, mid-sentence. Empty for none.
     */
    static String firstSentence(String description) {
        if (description == null) {
            return "";
        }
        String paragraph = description.strip().split("\\n\\s*\\n", 2)[0];
        String text = String.join(" ", paragraph.lines().map(String::strip).toList());
        java.util.regex.Matcher end = java.util.regex.Pattern.compile("[.!?](?=\\s)").matcher(text);
        return end.find() ? text.substring(0, end.end()) : text;
    }

    /** A default as a user would type it; an empty one as "", which would otherwise not show at all. */
    private static String shown(Object value) {
        String text = dev.runbook.expr.Functions.str(value instanceof java.time.Duration d ? dev.runbook.load.Durations.format(d) : value);
        return text.isEmpty() ? "\"\"" : text;
    }
}
