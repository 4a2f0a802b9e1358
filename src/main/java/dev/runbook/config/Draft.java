package dev.runbook.config;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import java.time.Duration;
import java.util.List;

/** Settings as they are read, from the file, the environment and the flags; null means not given. */
final class Draft {
    AuditConfig.Store store;
    SourcePos storePos;
    String url;
    String user;
    ConfigSecret password;
    String schema;
    Duration connectTimeout;
    ConfigSection daemon;

    AuditConfig finish(List<Diagnostic> out) {
        AuditConfig.Store s = store != null ? store : url != null ? AuditConfig.Store.POSTGRES : AuditConfig.Store.FILE;
        if (s == AuditConfig.Store.POSTGRES && url == null && out.stream().noneMatch(Diagnostic::isError)) {
            String msg = "audit.store is postgres but no audit.url is given (in the configuration file, RUNBOOK_AUDIT_URL or --audit-url)";
            out.add(storePos != null ? Diagnostic.error(storePos, msg) : ConfigLoader.usage(msg, null));
        }
        return new AuditConfig(s, url, user, password, schema != null ? schema : AuditConfig.DEFAULT_SCHEMA,
                connectTimeout != null ? connectTimeout : AuditConfig.DEFAULT_CONNECT_TIMEOUT);
    }
}
