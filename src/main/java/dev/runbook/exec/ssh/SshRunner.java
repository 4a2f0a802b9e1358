package dev.runbook.exec.ssh;

import com.jcraft.jsch.Session;
import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.HostKeyEvents;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one host's commands over its one SSH connection, a channel per command; with the host's
 * {@code runbook_persistent_shell: true}, command lines after the first go through a
 * {@link RemoteShell} that stays for the run instead (scripts and {@code become} steps still take a
 * channel each, as does every step on a host that cannot hold such a shell). A connection that
 * dropped between steps is opened again (host key checked again) before the next step; one that
 * drops during a step ends that step as unreachable.
 */
final class SshRunner implements CommandRunner {
    static final String PERSISTENT_SHELL_VAR = "runbook_persistent_shell";

    private final SshConnector connector;
    private final Endpoint endpoint;
    private final Map<String, Object> vars;
    private final HostKeyEvents events;
    private Connection connection;
    private boolean closed;
    /** The shell between steps, or null; a step takes it (or opens one) and gives it back. */
    private RemoteShell idle;
    /**
     * Commands asked of this host so far. The first goes on a channel of its own: starting the
     * shell costs about what one step does, which a run of one step per host would only pay on top.
     */
    private final AtomicInteger commands = new AtomicInteger();
    /** Every command on a channel of its own: the default, or the host cannot hold a shell. */
    private volatile boolean perStep;

    SshRunner(SshConnector connector, Endpoint endpoint, Map<String, Object> vars, Cancellation cancel, HostKeyEvents events)
            throws UnreachableException {
        this.connector = connector;
        this.endpoint = endpoint;
        this.vars = vars;
        this.events = events;
        this.perStep = !Boolean.TRUE.equals(vars.get(PERSISTENT_SHELL_VAR));
        this.connection = connector.connect(endpoint, vars, cancel, events);
    }

    @Override
    public ExecResult run(Command command, OutputListener output, Cancellation cancel) throws UnreachableException {
        Session session = connection(cancel).session();
        if (!perStep && commands.getAndIncrement() > 0 && RemoteShell.suits(command) && !cancel.isCancelled()) {
            long start = System.nanoTime();
            RemoteShell shell = take(session);
            if (shell == null) {
                try {
                    shell = RemoteShell.open(session, endpoint.display(), command.timeout(), cancel, start);
                } catch (RemoteExecution.NotStarted e) {
                    return e.result;
                }
            }
            ExecResult r = shell.run(command, output, cancel, endpoint.display(), start);
            if (r != null) {
                giveBack(shell);
                return r;
            }
            perStep = true;
        }
        return RemoteExecution.run(session, endpoint.display(), command, output, cancel);
    }

    /** The idle shell if it belongs to this session and can take a step; null otherwise. */
    private synchronized RemoteShell take(Session session) {
        RemoteShell s = idle;
        idle = null;
        if (s != null && (s.session() != session || !s.usable())) {
            s.close();
            s = null;
        }
        return s;
    }

    private void giveBack(RemoteShell shell) {
        RemoteShell extra = null;
        synchronized (this) {
            if (!shell.usable()) {
                extra = shell;
            } else if (closed || idle != null) {
                extra = shell; // two steps ran at once on this host: keep one shell
            } else {
                idle = shell;
            }
        }
        if (extra != null) {
            extra.close();
        }
    }

    private synchronized Connection connection(Cancellation cancel) throws UnreachableException {
        if (closed) {
            throw new UnreachableException("the connection to " + endpoint.display() + " was already closed");
        }
        if (!connection.alive()) {
            connection.close();
            connection = connector.connect(endpoint, vars, cancel, events);
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
        if (idle != null) {
            idle.close();
            idle = null;
        }
        connection.close();
    }
}
