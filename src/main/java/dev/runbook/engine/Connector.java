package dev.runbook.engine;

import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Target;

/** Opens a command runner for a host: local, or a connection. Called once per host per run. */
public interface Connector {
    CommandRunner open(Target target) throws UnreachableException;
}
