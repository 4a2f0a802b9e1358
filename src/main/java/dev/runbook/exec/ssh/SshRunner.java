package dev.runbook.exec.ssh;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import java.util.Map;

/**
 * Runs one host's commands over its one SSH connection, a channel per command. A connection
 * that dropped between steps is opened again (host key checked again) before the next step;
 * one that drops during a step ends that step as unreachable.
 */
final class SshRunner implements CommandRunner {
    private final SshConnector connector;
    private final Endpoint endpoint;
    private final Map<String, Object> vars;
    private Connection connection;
    private boolean closed;

    SshRunner(SshConnector connector, Endpoint endpoint, Map<String, Object> vars, Cancellation cancel)
            throws UnreachableException {
        this.connector = connector;
        this.endpoint = endpoint;
        this.vars = vars;
        this.connection = connector.connect(endpoint, vars, 0, cancel);
    }

    @Override
    public ExecResult run(Command command, OutputListener output, Cancellation cancel) throws UnreachableException {
        return RemoteExecution.run(connection(cancel).session(), endpoint.display(), command,
                output, cancel);
    }

    private synchronized Connection connection(Cancellation cancel) throws UnreachableException {
        if (closed) {
            throw new UnreachableException("the connection to " + endpoint.display() + " was already closed");
        }
        if (!connection.alive()) {
            connection.close();
            connection = connector.connect(endpoint, vars, 0, cancel);
        }
        return connection;
    }

    @Override
    public boolean local() {
        return false;
    }

    @Override
    public synchronized void close() {
        closed = true;
        connection.close();
    }
}
