package dev.runbook.exec;

import dev.runbook.model.Target;

/** Opens a command runner for a host: local, or a connection. Called once per host per run. */
public interface Connector {
    CommandRunner open(Target target) throws UnreachableException;

    /**
     * As {@link #open(Target)}, given up when {@code cancel} fires (Ctrl-C while a host is still being
     * connected to); connectors whose open is immediate need not override it.
     */
    default CommandRunner open(Target target, Cancellation cancel) throws UnreachableException {
        return open(target);
    }
}
