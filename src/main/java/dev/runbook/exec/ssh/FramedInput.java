package dev.runbook.exec.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * One step's share of a stream that carries many steps: the bytes up to the end line
 * {@code "\n" + marker + " " + trailer + "\n"} that the persistent shell prints when the step is
 * over, then end of file. The newline before the marker is the shell's own, so output that did
 * not end with one comes through unchanged. Bytes that could still turn out to be the start of
 * the end line are held back until they are decided. The underlying stream is not closed.
 * One thread reads; another may ask for the {@link #trailer()} at any time.
 */
final class FramedInput extends InputStream {
    /** An end line longer than this is not one: the stream is taken as broken. */
    private static final int MAX_TRAILER = 64;

    private final InputStream in;
    private final byte[] end;
    private byte[] buf = new byte[8192];
    private int pos;
    private int lim;
    /** What followed the marker on the end line, once it has been read. */
    private volatile String trailer;
    private boolean eof;

    FramedInput(InputStream in, String marker) {
        this.in = in;
        this.end = ("\n" + marker + " ").getBytes(StandardCharsets.US_ASCII);
    }

    /** What followed the marker on the end line, or null if the stream ended without one. */
    String trailer() {
        return trailer;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (trailer == null) {
            int safe = scan();
            if (trailer != null) {
                break;
            }
            if (safe == pos && eof) {
                safe = lim; // a partial end line at the very end: it was output after all
            }
            if (safe > pos) {
                int n = Math.min(len, safe - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }
            if (eof) {
                break;
            }
            fill();
        }
        return -1;
    }

    /**
     * Looks for the end line in the pending bytes. Returns how far the bytes are plain output;
     * sets {@link #trailer} (and drops the end line) when the whole line is there.
     */
    private int scan() throws IOException {
        for (int i = pos; i < lim; i++) {
            if (buf[i] != '\n') {
                continue;
            }
            int matched = 0;
            while (matched < end.length && i + matched < lim && buf[i + matched] == end[matched]) {
                matched++;
            }
            if (matched == end.length) {
                int nl = -1;
                for (int j = i + matched; j < lim; j++) {
                    if (buf[j] == '\n') {
                        nl = j;
                        break;
                    }
                }
                if (nl >= 0) {
                    if (i == pos) {
                        trailer = new String(buf, i + matched, nl - i - matched, StandardCharsets.US_ASCII);
                        pos = lim = 0; // anything after the end line belongs to no step
                        return 0;
                    }
                    return i;
                }
                if (lim - (i + matched) > MAX_TRAILER) {
                    throw new IOException("the remote shell's end line is malformed");
                }
                return i; // the end line is still arriving
            }
            if (i + matched == lim) {
                return i; // what is there so far matches the start of the end line
            }
        }
        return lim;
    }

    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        if (lim == buf.length) {
            byte[] bigger = new byte[buf.length * 2];
            System.arraycopy(buf, 0, bigger, 0, lim);
            buf = bigger;
        }
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) {
            eof = true;
        } else {
            lim += n;
        }
    }

    /** Leaves the shared stream open for the next step. */
    @Override
    public void close() {
        // nothing: the stream belongs to the shell
    }
}
