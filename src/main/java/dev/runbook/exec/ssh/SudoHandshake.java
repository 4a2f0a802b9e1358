package dev.runbook.exec.ssh;

import dev.runbook.exec.Cancellation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * How the become password reaches sudo and nothing else, as Ansible does it: sudo's stderr is
 * watched for its prompt (ours, random) and for the line the bootstrap writes once sudo let it
 * start; both are taken out of the output. The password is written at the first prompt only. A
 * second prompt means sudo refused it: sudo then reads end of file, not the lines that follow
 * (the header holds the step's secret env, which sudo would take as further password attempts and
 * hand to PAM), so a wrong password costs one failed attempt, not sudo's three.
 *
 * <p>This stream is the step's stderr as the output capture reads it; {@link #await} runs on the
 * step's thread.
 */
final class SudoHandshake extends InputStream {
    /** How long sudo may take to ask or to start the command, whatever the step's own timeout. */
    static final Duration LIMIT = Duration.ofSeconds(30);

    enum Outcome {
        /** The bootstrap runs as the become user: send it the command. */
        STARTED,
        /** sudo asked again: the password was wrong. */
        REFUSED,
        /** sudo ended without starting the command (not allowed, no such user...). */
        ENDED,
        /** The step's time ran out or the run was cancelled while sudo waited. */
        STOPPED,
        /** sudo neither asked with our prompt nor started the command within {@link #LIMIT}. */
        SILENT
    }

    private final InputStream err;
    private final byte[] prompt;
    private final byte[] started;
    /** Bytes read and not yet passed on; before the start, a tail that may begin a prompt is held back. */
    private byte[] pending = new byte[0];
    private int prompts;
    private boolean begun;
    private boolean eof;

    SudoHandshake(InputStream err, String prompt, String startedLine) {
        this.err = err;
        this.prompt = prompt.getBytes(StandardCharsets.UTF_8);
        this.started = (startedLine + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes the password at sudo's first prompt and waits until the bootstrap started, sudo asked
     * again or ended, the step's time ran out or the run was cancelled.
     */
    Outcome await(OutputStream in, byte[] password, Duration timeout, Cancellation cancel, long start)
            throws IOException, InterruptedException {
        long limit = start + Math.min(LIMIT.toNanos(), timeout == null ? Long.MAX_VALUE : timeout.toNanos());
        boolean sent = false;
        synchronized (this) {
            while (true) {
                if (begun) {
                    return Outcome.STARTED;
                }
                if (prompts > 1) {
                    return Outcome.REFUSED;
                }
                if (prompts == 1 && !sent) {
                    in.write(password);
                    in.flush();
                    sent = true;
                }
                if (eof) {
                    return Outcome.ENDED;
                }
                long left = limit - System.nanoTime();
                if (cancel.isCancelled() || left <= 0) {
                    return cancel.isCancelled() || (timeout != null && timeout.compareTo(LIMIT) <= 0) ? Outcome.STOPPED : Outcome.SILENT;
                }
                wait(Math.max(1, Math.min(20, left / 1_000_000)));
            }
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
        byte[] buf = new byte[8192];
        while (true) {
            synchronized (this) {
                int ready = begun || eof ? pending.length : pending.length - heldBack();
                if (ready > 0) {
                    int n = Math.min(len, ready);
                    System.arraycopy(pending, 0, b, off, n);
                    pending = Arrays.copyOfRange(pending, n, pending.length);
                    return n;
                }
                if (eof) {
                    return -1;
                }
                if (begun) {
                    break;
                }
            }
            int n = err.read(buf);
            synchronized (this) {
                if (n < 0) {
                    eof = true;
                } else {
                    pending = concat(pending, buf, n);
                    scan();
                }
                notifyAll();
            }
        }
        return err.read(b, off, len);
    }

    @Override
    public void close() throws IOException {
        err.close();
    }

    /** Takes our prompts and the start line out of what is pending, counting the prompts. */
    private void scan() {
        int at;
        while (!begun && (at = indexOf(pending, prompt)) >= 0) {
            pending = cut(pending, at, prompt.length);
            prompts++;
        }
        if (!begun && (at = indexOf(pending, started)) >= 0) {
            pending = cut(pending, at, started.length);
            begun = true;
        }
    }

    /** The length of the longest tail of what is pending that may begin a prompt or the start line. */
    private int heldBack() {
        int held = 0;
        for (byte[] token : new byte[][] {prompt, started}) {
            for (int k = Math.min(token.length - 1, pending.length); k > held; k--) {
                if (Arrays.equals(pending, pending.length - k, pending.length, token, 0, k)) {
                    held = k;
                    break;
                }
            }
        }
        return held;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] cut(byte[] a, int at, int n) {
        byte[] out = new byte[a.length - n];
        System.arraycopy(a, 0, out, 0, at);
        System.arraycopy(a, at + n, out, at, a.length - at - n);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b, int n) {
        byte[] out = Arrays.copyOf(a, a.length + n);
        System.arraycopy(b, 0, out, a.length, n);
        return out;
    }
}
