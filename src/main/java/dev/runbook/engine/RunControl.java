package dev.runbook.engine;

import dev.runbook.exec.Cancellation;

/**
 * The handle the outside world interrupts a run through (Ctrl-C, SIGTERM). The first interrupt
 * stops the steps; {@code finally} steps then run under a fresh cancellation that a second
 * interrupt stops too.
 */
public final class RunControl {
    private volatile Cancellation current = new Cancellation();
    private volatile int interrupts;

    public Cancellation current() {
        return current;
    }

    /** Cancels whatever is running now. */
    public void interrupt(String reason) {
        interrupts++;
        current.cancel(reason);
    }

    public int interrupts() {
        return interrupts;
    }

    /** Starts the {@code finally} phase with its own cancellation. */
    Cancellation fresh() {
        current = new Cancellation();
        return current;
    }
}
