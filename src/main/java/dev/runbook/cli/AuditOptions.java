package dev.runbook.cli;

import dev.runbook.config.ConfigLoader;
import picocli.CommandLine.Option;

/** Flags that override the configuration's audit store, for the commands that use it. */
public final class AuditOptions {
    @Option(names = "--audit-store", paramLabel = "file|postgres", description = "The audit store (overrides audit.store and RUNBOOK_AUDIT_STORE).")
    String store;

    @Option(names = "--audit-url", paramLabel = "JDBC_URL", description = "PostgreSQL for the audit trail, history and run locks (overrides audit.url and RUNBOOK_AUDIT_URL).")
    String url;

    @Option(names = "--audit-user", paramLabel = "USER", description = "PostgreSQL user (overrides audit.user and RUNBOOK_AUDIT_USER).")
    String user;

    ConfigLoader.Overrides overrides() {
        return new ConfigLoader.Overrides(store, url, user);
    }
}
