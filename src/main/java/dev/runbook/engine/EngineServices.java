package dev.runbook.engine;

import dev.runbook.audit.AuditSink;
import dev.runbook.exec.Connector;
import dev.runbook.exec.HttpRunner;
import dev.runbook.load.RunbookLoader;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything the engine reaches the outside world through, each behind a small interface.
 *
 * @param sql     null when no SQL executor is configured (sql steps then fail with a clear message)
 * @param env     the environment secrets are read from
 * @param tempDir private directory for script files
 */
public record EngineServices(Connector connector, Hosts hosts, HttpRunner http, SqlExecutor sql, Gate gate,
                             AuditSink audit, RunLocks locks, RunbookLoader loader, Map<String, String> env,
                             Path tempDir) {}
