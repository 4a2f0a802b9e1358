package dev.runbook.cli;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Step output on its way to stdout, gathered for up to {@link #DELAY_MS} or {@link #LIMIT}
 * characters and written at once. Written a line at a time, each line cost a system call or more
 * (System.out flushes at every newline, through a 128-byte buffer): a step printing 50 MB reached a
 * pipe several times slower than through sed. The owner calls every method holding {@code lock},
 * and flushes before it writes anything else, so that the order on stdout is the order of events.
 */
final class LineBatch {
    static final int LIMIT = 32 * 1024;
    static final long DELAY_MS = 20;

    private final Object lock;
    private final Consumer<CharSequence> writer;
    private final StringBuilder pending = new StringBuilder();
    private ScheduledExecutorService timer;
    private boolean scheduled;
    private boolean closed;

    /** @param writer writes gathered lines (each ending in a newline) and flushes; called holding {@code lock} */
    LineBatch(Object lock, Consumer<CharSequence> writer) {
        this.lock = lock;
        this.writer = writer;
    }

    /** Adds a line; it is written within {@link #DELAY_MS} whatever comes after it. */
    void add(CharSequence line) {
        pending.append(line).append('\n');
        if (pending.length() >= LIMIT || closed) {
            // after close (a late line of a process that outlived its step) nothing is held back
            flush();
        } else if (!scheduled) {
            scheduled = true;
            timer().schedule(this::flushLater, DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Writes what is gathered, now. */
    void flush() {
        if (pending.length() > 0) {
            writer.accept(pending);
            pending.setLength(0);
        }
    }

    /** Writes what is gathered and stops the timer. */
    void close() {
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
        flush();
    }

    private void flushLater() {
        synchronized (lock) {
            scheduled = false;
            flush();
        }
    }

    private ScheduledExecutorService timer() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "output-batch");
                t.setDaemon(true);
                return t;
            });
        }
        return timer;
    }
}
