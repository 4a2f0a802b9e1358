package dev.runbook.audit;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The lines of a UTF-8 file from the last to the first, read back from the end a block at a time,
 * so that the newest lines of a long file cost what they cost in a short one. Lines end at
 * {@code \n} (which no multi-byte UTF-8 sequence contains); empty lines are left out.
 */
final class ReverseLines implements Closeable {
    static final int BLOCK = 64 * 1024;

    private final FileChannel channel;
    private final int block;
    private long unread;
    private byte[] partial = new byte[0];
    private final ArrayDeque<String> ready = new ArrayDeque<>();

    ReverseLines(Path file) throws IOException {
        this(file, BLOCK);
    }

    ReverseLines(Path file, int block) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.block = block;
        this.unread = channel.size();
    }

    /** The line before the one returned last; null once the first line was returned. */
    String next() throws IOException {
        while (ready.isEmpty()) {
            if (unread == 0) {
                if (partial.length == 0) {
                    return null;
                }
                String first = decode(partial, 0, partial.length);
                partial = new byte[0];
                return first;
            }
            readBlock();
        }
        return ready.poll();
    }

    /** Reads the block before what was read, and queues its complete lines, the last first. */
    private void readBlock() throws IOException {
        int n = (int) Math.min(block, unread);
        byte[] data = new byte[n + partial.length];
        ByteBuffer buf = ByteBuffer.wrap(data, 0, n);
        long from = unread - n;
        while (buf.hasRemaining()) {
            if (channel.read(buf, from + buf.position()) < 0) {
                throw new IOException("the file shrank while it was read");
            }
        }
        System.arraycopy(partial, 0, data, n, partial.length);
        unread = from;
        int end = data.length;
        for (int i = data.length - 1; i >= 0; i--) {
            if (data[i] == '\n') {
                if (end > i + 1) {
                    ready.add(decode(data, i + 1, end - i - 1));
                }
                end = i;
            }
        }
        partial = Arrays.copyOf(data, end);
    }

    /**
     * A line's text; a line that is not UTF-8 fails, as reading forwards does, instead of turning into
     * replacement characters. Only a line that decodes to one is checked again, strictly.
     */
    private static String decode(byte[] data, int offset, int length) throws IOException {
        String line = new String(data, offset, length, StandardCharsets.UTF_8);
        if (line.indexOf('\uFFFD') >= 0 && !AuditFiles.isUtf8(data, offset, length)) {
            throw new java.nio.charset.MalformedInputException(1);
        }
        return line;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
