package dev.runbook.cli;

import dev.runbook.config.ConfigLoader;

/** Flags that override the configuration's audit store, for the commands that use it. */
public final class AuditOptions {
    String store;
    String url;
    String user;

    CliSpec addTo(CliSpec cli) {
        return cli.option("--audit-store").label("file|postgres")
                .describe("The audit store (overrides audit.store and RUNBOOK_AUDIT_STORE).").to(v -> store = v)
                .option("--audit-url").label("JDBC_URL")
                .describe("PostgreSQL for the audit trail, history and run locks (overrides audit.url and RUNBOOK_AUDIT_URL).").to(v -> url = v)
                .option("--audit-user").label("USER").describe("PostgreSQL user (overrides audit.user and RUNBOOK_AUDIT_USER).").to(v -> user = v);
    }

    ConfigLoader.Overrides overrides() {
        return new ConfigLoader.Overrides(store, url, user);
    }
}
