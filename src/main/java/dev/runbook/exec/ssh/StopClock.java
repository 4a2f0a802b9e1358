package dev.runbook.exec.ssh;

import dev.runbook.exec.Cancellation;
import java.time.Duration;

/**
 * A remote step's clock: its deadline, and, once a stop was asked for (the timeout passed or the run
 * was cancelled), how long to wait for the remote watcher's report before giving up on it. The same
 * for a command on a channel of its own and one in the persistent shell. Used by one thread.
 */
final class StopClock {
    enum Next { GO_ON, STOP, GIVE_UP }

    private final Cancellation cancel;
    private final long start;
    private final long deadline;
    private long stopBy;
    private boolean timedOut;
    private boolean cancelled;

    StopClock(Duration timeout, Cancellation cancel, long start) {
        this.cancel = cancel;
        this.start = start;
        this.deadline = timeout == null ? Long.MAX_VALUE : start + timeout.toNanos();
    }

    /** What the wait does at {@code now}: ask for a stop, stop waiting for its report, or go on. */
    Next next(long now) {
        if (stopBy == 0 && (cancel.isCancelled() || now >= deadline)) {
            cancelled = cancel.isCancelled();
            timedOut = !cancelled;
            stopBy = now + RemoteExecution.STOP_WAIT_MILLIS * 1_000_000;
            return Next.STOP;
        }
        return stopBy != 0 && now >= stopBy ? Next.GIVE_UP : Next.GO_ON;
    }

    /** The waiting thread was interrupted, which counts as Ctrl-C; returns whether a stop is still to be asked for. */
    boolean interrupted(long now) {
        if (stopBy != 0) {
            return false;
        }
        cancelled = true;
        stopBy = now + RemoteExecution.STOP_WAIT_MILLIS * 1_000_000;
        return true;
    }

    /** How long a wait may sleep at {@code now} before the clock has something to say, 1 to 50 ms. */
    long pauseMillis(long now) {
        long next = Math.min(deadline, stopBy == 0 ? Long.MAX_VALUE : stopBy);
        return Math.max(1, Math.min(50, (next - now) / 1_000_000));
    }

    boolean stopping() {
        return stopBy != 0;
    }

    boolean timedOut() {
        return timedOut;
    }

    boolean cancelled() {
        return cancelled;
    }

    long elapsedMillis() {
        return RemoteExecution.elapsed(start);
    }
}
