package dev.runbook.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads one stream to its end: each line goes to the listener as it arrives (cut at 64 KiB,
 * marked {@link #CUT_END}), and the last {@code limit} bytes are kept (from a line start when they
 * have one, else marked {@link #CUT_START}). Memory stays bounded however much a command prints.
 */
public final class OutputCapture implements Runnable {
    public static final int STDOUT_LIMIT = 1 << 20;
    public static final int STDERR_LIMIT = 64 << 10;
    private static final int MAX_LINE = 64 << 10;
    /** Ends a line shown cut at {@link #MAX_LINE} bytes: the masker then hides a secret's start left at the cut. */
    public static final String CUT_END = " …[cut: line longer than 64 KiB]";
    /** Starts kept output that begins in the middle of a line: the masker then hides a secret's end left at the cut. */
    public static final String CUT_START = "[cut: earlier output dropped]… ";

    private final InputStream in;
    private final OutputListener.Stream stream;
    private final OutputListener listener;
    private final int limit;
    /** Grows to {@code limit} as output arrives (most steps print little), then wraps around. */
    private byte[] ring = new byte[256];
    private long total;
    private volatile boolean detached;
    private volatile boolean done;

    public OutputCapture(InputStream in, OutputListener.Stream stream, OutputListener listener, int limit) {
        this.in = in;
        this.stream = stream;
        this.listener = listener;
        this.limit = limit;
    }

    @Override
    public void run() {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        byte[] buf = new byte[8192];
        boolean cut = false;
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                keep(buf, n);
                // whole runs of bytes between newlines are copied at once: a byte at a time cost more than the rest of a line's way
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        cut |= append(line, buf, from, i - from);
                        emit(line, cut);
                        cut = false;
                        from = i + 1;
                    }
                }
                cut |= append(line, buf, from, n - from);
            }
        } catch (IOException e) {
            // the stream closed under us (process killed): what was read is kept
        }
        try {
            if (line.size() > 0) {
                emit(line, cut);
            }
        } finally {
            synchronized (this) {
                done = true;
                notifyAll();
            }
        }
    }

    /** Appends up to the line's limit; whether bytes beyond it were dropped. */
    private static boolean append(ByteArrayOutputStream line, byte[] buf, int from, int len) {
        int room = MAX_LINE - line.size();
        line.write(buf, from, Math.min(len, room));
        return len > room;
    }

    private void emit(ByteArrayOutputStream line, boolean cut) {
        if (!detached) {
            String s = line.toString(StandardCharsets.UTF_8);
            if (cut) {
                // a character cut in two decodes as U+FFFD: drop it
                listener.line(stream, (s.endsWith("\uFFFD") ? s.substring(0, s.length() - 1) : s) + CUT_END);
            } else {
                listener.line(stream, s.endsWith("\r") ? s.substring(0, s.length() - 1) : s);
            }
        }
        line.reset();
    }

    private synchronized void keep(byte[] buf, int n) {
        if (total + n > ring.length && ring.length < limit) {
            // still linear (total <= ring.length): grow, keeping the bytes where they are
            byte[] bigger = new byte[(int) Math.min(limit, Math.max((long) ring.length * 2, total + n))];
            System.arraycopy(ring, 0, bigger, 0, (int) total);
            ring = bigger;
        }
        int off = 0;
        while (off < n) {
            int at = (int) (total % ring.length);
            int len = Math.min(n - off, ring.length - at);
            System.arraycopy(buf, off, ring, at, len);
            off += len;
            total += len;
        }
    }

    /** Waits until the stream ends, at most {@code millis}; returns whether it ended. */
    public synchronized boolean await(long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!done) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Stops forwarding lines: a grandchild that kept the pipe open cannot write into later steps. */
    public void detach() {
        detached = true;
    }

    public synchronized boolean truncated() {
        return total > ring.length;
    }

    public synchronized String text() {
        int len = (int) Math.min(total, ring.length);
        byte[] out = new byte[len];
        long start = total - len;
        for (int i = 0; i < len; i++) {
            out[i] = ring[(int) ((start + i) % ring.length)];
        }
        if (total <= ring.length) {
            return new String(out, StandardCharsets.UTF_8);
        }
        // the kept bytes start where the ring wrapped: from the next line on, whole lines only
        for (int i = 0; i < len - 1; i++) {
            if (out[i] == '\n') {
                return new String(out, i + 1, len - i - 1, StandardCharsets.UTF_8);
            }
        }
        int from = 0;
        while (from < len && (out[from] & 0xC0) == 0x80) {
            from++;
        }
        return CUT_START + new String(out, from, len - from, StandardCharsets.UTF_8);
    }
}
