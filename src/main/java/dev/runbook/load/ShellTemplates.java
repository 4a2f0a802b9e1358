package dev.runbook.load;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.ShellSite;
import dev.runbook.expr.ShellSurvey;
import dev.runbook.expr.TemplateParts;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Param;
import dev.runbook.model.Text;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * validate's reading of the templates that become shell text ({@code run}, {@code script}, a
 * {@code check} or {@code wait} command): a splice where the text around it refuses every value
 * (inside {@code ${...}}, in {@code sh -c}'s command string...) is an error at its position, as the
 * run would refuse it; a secret where the shell evaluates arithmetic too. A param that is not an
 * int, spliced into arithmetic, gets a warning: a value that is not an integer fails the step.
 */
final class ShellTemplates {
    private static final Pattern RAW = Pattern.compile("raw\\s*\\(.*\\)", Pattern.DOTALL);
    private static final Pattern NAME = Pattern.compile("(params|secrets)\\.([A-Za-z_][A-Za-z0-9_]*)");

    private ShellTemplates() {}

    static void check(Text t, Map<String, Param> params, List<Diagnostic> out) {
        if (t == null || !t.isTemplate()) {
            return;
        }
        List<TemplateParts.Part> parts;
        try {
            parts = TemplateParts.split(t);
        } catch (ExprException e) {
            return; // the template's own error is reported with the others
        }
        List<ShellSite> sites = ShellSurvey.of(parts).sites();
        int k = 0;
        for (TemplateParts.Part p : parts) {
            if (p.expression()) {
                site(p.text(), sites.get(k++), params, out, t.posAt(p.offset()));
            }
        }
    }

    private static void site(String expr, ShellSite site, Map<String, Param> params, List<Diagnostic> out,
                             dev.runbook.model.SourcePos pos) {
        if (RAW.matcher(expr).matches()) {
            return; // unquoted on purpose; validate warns where its text comes from outside
        }
        if (site.refusal() != null) {
            out.add(Diagnostic.error(pos, site.refusal()));
            return;
        }
        Matcher m = NAME.matcher(expr);
        if (site.check() != ShellSite.Check.INTEGER || !m.matches()) {
            return;
        }
        if (m.group(1).equals("secrets")) {
            out.add(Diagnostic.error(pos, "a secret cannot be spliced into " + site.what()
                    + ", where the shell evaluates it as more than a word"));
        } else if (params.get(m.group(2)) != null && params.get(m.group(2)).type() != Param.ParamType.INT) {
            Param p = params.get(m.group(2));
            out.add(Diagnostic.warning(pos, "params." + m.group(2) + " (" + p.type().yamlName() + ") is spliced into "
                    + site.what() + ": a value that is not an integer fails the step; declare it type: int"));
        }
    }
}
