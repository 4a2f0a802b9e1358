package dev.runbook.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The head file beside an audit file ({@code audit.jsonl.head}): the hash of the newest durable
 * event and the file's size just after it, one fixed-width line rewritten in place. A file that
 * no longer ends that event at that size (or later) lost events off its end. It detects a trail
 * cut short by accident or by someone who did not also rewrite the head; against someone who can
 * rewrite both, only a copy kept elsewhere helps (the PostgreSQL store, {@code audit export}).
 */
final class AuditHead {
    private static final Pattern LINE = Pattern.compile("([0-9a-f]{64}) ([0-9]{20})\n");
    /** How every event line ends: {@code "hash":"<64 hex>"}} and a newline. */
    private static final int TAIL = "\"hash\":\"\"}\n".length() + 64;

    /** A head file that is not a head record. */
    static final Mark UNREADABLE = new Mark(null, -1);

    /** A recorded head: the newest durable event's hash and the file's size after it. */
    record Mark(String hash, long size) {
        /** Whether the file (now {@code fileSize} bytes) still ends an event with this hash at this size. */
        boolean heldBy(FileChannel file, long fileSize) throws IOException {
            if (hash == null || size > fileSize || size < TAIL) {
                return false;
            }
            ByteBuffer buf = ByteBuffer.allocate(TAIL);
            while (buf.hasRemaining() && file.read(buf, size - TAIL + buf.position()) > 0) {
                // read the whole tail of that line
            }
            String tail = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            return tail.equals("\"hash\":\"" + hash + "\"}\n");
        }
    }

    private final Path path;
    private FileChannel channel;

    /** @throws dev.runbook.model.InvalidInputException a link (or another user's file) is at {@code path}: never followed */
    AuditHead(Path path) throws IOException {
        this.path = path;
        StrictModes.inside(path, false, dev.runbook.model.LocalUser.current());
    }

    /** The head file of an audit file. */
    static Path of(Path auditFile) {
        return auditFile.resolveSibling(auditFile.getFileName() + ".head");
    }

    /** The recorded head, or null when there is none (a trail from before heads, or a copy without one). */
    Mark read() throws IOException {
        return read(path);
    }

    /** What a head that the file does not hold means, for messages. */
    static String describe(Mark m, long fileSize) {
        if (m.hash() == null) {
            return "its head file is not a head record (altered)";
        }
        return "its head file records a durable event (hash " + m.hash().substring(0, 12) + "…) ending at byte " + m.size()
                + ", which the file (" + fileSize + " bytes) does not hold there";
    }

    static Mark read(Path path) throws IOException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.ISO_8859_1);  // any bytes: an altered head must not throw
        } catch (NoSuchFileException e) {
            return null;
        }
        Matcher m = LINE.matcher(text);
        if (!m.matches()) {
            return UNREADABLE;  // altered: it can vouch for nothing, and says so
        }
        return new Mark(m.group(1), Long.parseLong(m.group(2)));
    }

    void write(String hash, long size) throws IOException {
        if (channel == null) {
            channel = StrictModes.open(path);
        }
        ByteBuffer buf = ByteBuffer.wrap(line(hash, size).getBytes(StandardCharsets.US_ASCII));
        long pos = 0;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
    }

    /**
     * {@code <hash> <size, 20 digits>\n}. Not String.format: its first use loads the locale
     * machinery, 20-30 ms of a run's start.
     */
    static String line(String hash, long size) {
        String digits = Long.toString(size);
        return hash + " " + "0".repeat(Math.max(0, 20 - digits.length())) + digits + "\n";
    }

    void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing buffered: every write went straight to the file
            }
        }
    }
}
