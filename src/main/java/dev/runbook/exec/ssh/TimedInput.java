package dev.runbook.exec.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stream whose reads give up after a while, as a socket's do with a read timeout. JSch sends its
 * keepalives when a read of the connection times out, which only a socket did: over a ProxyCommand
 * this stream lets it notice a path that went silent. A thread reads the underlying stream ahead,
 * at most a few chunks.
 */
final class TimedInput extends InputStream {
    private static final byte[] END = new byte[0];

    private final InputStream in;
    private final Thread pump;
    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(8);
    /** Set once the source has ended: the reader finds out even if END found no room in the queue. */
    private volatile boolean done;
    private volatile IOException failure;
    private volatile int timeoutMs;
    private byte[] current;
    private int pos;
    private boolean ended;

    TimedInput(InputStream in, String name) {
        this.in = in;
        this.pump = new Thread(this::pump, name);
        pump.setDaemon(true);
        pump.start();
    }

    /** From now on a read waits at most this long for data (0: for ever). */
    void timeout(int millis) {
        timeoutMs = millis;
    }

    private void pump() {
        byte[] buf = new byte[32 * 1024];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n > 0) {
                    chunks.put(Arrays.copyOf(buf, n));
                }
            }
        } catch (IOException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done = true;
            chunks.offer(END);  // wakes a reader that waits on an empty queue; a full one is drained first
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (current == null || pos == current.length) {
            if (ended) {
                return -1;
            }
            byte[] next = chunks.poll();
            if (next == null && done) {
                next = END;
            } else if (next == null) {
                try {
                    int wait = timeoutMs;
                    next = wait > 0 ? chunks.poll(wait, TimeUnit.MILLISECONDS) : chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading");
                }
            }
            if (next == null) {
                throw new SocketTimeoutException("nothing read for " + timeoutMs + " ms");
            }
            if (next == END) {
                ended = true;
                if (failure != null) {
                    throw failure;
                }
                return -1;
            }
            current = next;
            pos = 0;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length - pos;
    }

    /** Closes the source and ends the read-ahead thread, which may be waiting for room nobody will make. */
    @Override
    public void close() throws IOException {
        pump.interrupt();
        chunks.clear();
        in.close();
    }
}
