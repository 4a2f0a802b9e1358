package dev.runbook.exec;

import dev.runbook.model.Target;
import java.util.List;

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

    /**
     * As {@link #open(Target, Cancellation)}, telling {@code events} of host keys it records
     * ({@code accept-new}); connectors that record none need not override it.
     */
    default CommandRunner open(Target target, Cancellation cancel, HostKeyEvents events) throws UnreachableException {
        return open(target, cancel);
    }

    /**
     * Called once a run's hosts are chosen, before anything runs: refuses a setup that could reach
     * none of them (a broken ssh_config), so that it is reported as bad input rather than as each
     * host being unreachable. Connectors with nothing to check need not override it.
     *
     * @throws dev.runbook.model.InvalidInputException naming each problem where it was written
     */
    default void check(List<Target> targets) {
    }
}
