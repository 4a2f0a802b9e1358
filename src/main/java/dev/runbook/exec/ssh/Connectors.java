package dev.runbook.exec.ssh;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.Connector;
import dev.runbook.exec.HostKeyEvents;
import dev.runbook.exec.LocalRunner;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Target;
import java.util.List;

/** Sends a local target ({@link Target#local()}) to the local runner and every other one over SSH. */
public final class Connectors implements Connector {
    private final LocalRunner local;
    private final Connector ssh;

    /** @param local shared by every local target (it holds nothing between commands) */
    public Connectors(LocalRunner local, Connector ssh) {
        this.local = local;
        this.ssh = ssh;
    }

    @Override
    public CommandRunner open(Target target) throws UnreachableException {
        return target.local() ? local : ssh.open(target);
    }

    @Override
    public CommandRunner open(Target target, Cancellation cancel) throws UnreachableException {
        return target.local() ? local : ssh.open(target, cancel);
    }

    @Override
    public CommandRunner open(Target target, Cancellation cancel, HostKeyEvents events) throws UnreachableException {
        return target.local() ? local : ssh.open(target, cancel, events);
    }

    /** Only targets reached over SSH are checked: a run of local steps never reads ssh_config. */
    @Override
    public void check(List<Target> targets) {
        List<Target> remote = targets.stream().filter(t -> !t.local()).toList();
        if (!remote.isEmpty()) {
            ssh.check(remote);
        }
    }
}
