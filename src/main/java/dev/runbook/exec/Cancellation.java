package dev.runbook.exec;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A run's interruption: set once (Ctrl-C, SIGTERM, a deadline), seen by every running command,
 * which kills its process tree in response.
 */
public final class Cancellation {
    private volatile String reason;
    private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();

    public boolean isCancelled() {
        return reason != null;
    }

    /** Why the run was cancelled, or null. */
    public String reason() {
        return reason;
    }

    public void cancel(String why) {
        synchronized (this) {
            if (reason != null) {
                return;
            }
            reason = why;
        }
        for (Runnable r : callbacks) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // one failing callback must not keep the others from stopping their work
            }
        }
    }

    /** A registered callback; closing it removes it (and cannot fail). */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Registers work to do on cancellation; runs it at once when already cancelled. Returns a handle to remove it. */
    public Registration onCancel(Runnable r) {
        callbacks.add(r);
        if (isCancelled()) {
            r.run();
        }
        return () -> callbacks.remove(r);
    }

    /** Sleeps, waking early on cancellation. Returns false when cancelled. */
    public boolean sleep(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        synchronized (this) {
            while (!isCancelled()) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return true;
                }
                try {
                    wait(Math.min(left, 100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    public static Cancellation none() {
        return new Cancellation();
    }
}
