package dev.runbook.cli;

import dev.runbook.config.Config;
import dev.runbook.config.ConfigLoader;
import dev.runbook.model.Visible;

/** What the audit store commands share: the configuration, with the flags applied. */
final class AuditStoreCommands {
    private AuditStoreCommands() {}

    static AuditStores open(Wiring wiring, AuditOptions options, Terminal term) {
        Config config = ConfigLoader.fromSystem(wiring.env).load(options == null ? ConfigLoader.Overrides.NONE : options.overrides());
        return AuditStores.open(config, wiring.state, wiring.env, message -> term.err.println(term.yellow("runbook: " + Visible.line(message))));
    }
}
