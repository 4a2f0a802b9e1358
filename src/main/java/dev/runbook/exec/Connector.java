package dev.runbook.exec;

import dev.runbook.model.Target;

/** Opens a command runner for a host: local, or a connection. Called once per host per run. */
public interface Connector {
    CommandRunner open(Target target) throws UnreachableException;
}
