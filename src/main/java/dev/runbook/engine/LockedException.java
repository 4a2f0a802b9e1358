package dev.runbook.engine;

/** Another run holds the lock for this runbook and target (exit code 4). */
public final class LockedException extends RuntimeException {
    private final transient RunLocks.Holder holder;

    public LockedException(String runbook, String target, RunLocks.Holder holder) {
        super("runbook '" + runbook + "' on " + target + " is already running: "
                + (holder == null ? "holder unknown" : holder.toString()));
        this.holder = holder;
    }

    public RunLocks.Holder holder() {
        return holder;
    }
}
