package dev.runbook.schedule;

import dev.runbook.engine.Hosts;
import dev.runbook.load.Mapping;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Runbook;
import dev.runbook.model.Text;

/**
 * A schedule's hosts, checked against the inventory its daemon will use: a pattern that selects
 * nothing there would otherwise pass every check and fail every fire.
 */
final class TargetCheck {
    private TargetCheck() {}

    /**
     * The schedule's {@code targets}, else its runbook's (unless made from params), must select a
     * host of {@code hosts}; an error at the pattern when not.
     */
    static void check(YamlReader y, Mapping m, Runbook rb, Hosts hosts) {
        if (hosts == null) {
            return;
        }
        Text own = m.has("targets") ? m.text("targets") : null;
        String pattern;
        String what;
        if (own != null) {
            pattern = own.value();
            what = "targets '" + pattern + "'";
        } else if (rb != null && rb.targets() != null && !rb.targets().value().contains("{{")) {
            pattern = rb.targets().value();
            what = "the targets '" + pattern + "' of runbook '" + rb.name() + "'";
        } else {
            return;
        }
        try {
            hosts.select(pattern);
        } catch (InvalidInputException e) {
            Diagnostic d = e.diagnostics().get(0);
            y.error(own != null ? own.pos() : m.pos(), what + ": " + d.message(), d.hint());
        }
    }
}
