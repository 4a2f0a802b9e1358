package dev.runbook.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The default audit trail: one JSON object per line in a private file, each chained to the line
 * before it. Several processes may append to the same file; each append holds an exclusive lock
 * on it, so the chain stays a single line of custody.
 *
 * <p>A chain alone cannot show that events were cut off its end. So after every durable append
 * the trail's {@link AuditHead head} file records the newest event's hash and where it ends; a
 * writer that finds the file no longer holding that event records an {@code audit.truncated}
 * event before its own, and {@code audit verify} reports either.
 */
public final class JsonlAuditTrail implements AuditSink {
    private final Path file;
    private final java.util.function.Consumer<String> warnings;
    private final FileChannel channel;
    private final AuditHead head;
    private String lastHash;
    private long knownSize = -1;

    public JsonlAuditTrail(Path file) {
        this(file, w -> { });
    }

    /**
     * @param warnings told, in one line, when this trail records that events were cut off its end: the
     *                 run goes on, and the person running it should hear of it before {@code audit verify}
     */
    public JsonlAuditTrail(Path file, java.util.function.Consumer<String> warnings) {
        this.file = file;
        this.warnings = warnings;
        try {
            Files.createDirectories(file.getParent());
            // never through a link: one planted here would have the run append to, and chmod, any file
            this.channel = StrictModes.open(file, StandardOpenOption.READ);
            StateDir.makePrivate(file);
            this.head = new AuditHead(AuditHead.of(file));
        } catch (IOException e) {
            throw new AuditException("cannot open the audit trail " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** One monitor per file in this JVM: a second FileChannel.lock() on a file this JVM already locks throws instead of waiting. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void append(AuditEvent event, boolean durable) {
        synchronized (IN_PROCESS.computeIfAbsent(file.toAbsolutePath().normalize(), k -> new Object())) {
            appendLocked(event, durable);
        }
    }

    private synchronized void appendLocked(AuditEvent event, boolean durable) {
        try (FileLock lock = channel.lock()) {
            long size = channel.size();
            if (size != knownSize) {
                lastHash = tailHash(size);
                size = channel.size();
                AuditHead.Mark mark = head.read();
                if (mark != null && !mark.heldBy(channel, size)) {
                    lastHash = recordCut(mark, size);
                    size = channel.size();
                }
            }
            AuditCodec.Line line = AuditCodec.encode(event, lastHash);
            write(line.text() + "\n", size);
            if (durable) {
                channel.force(false);
            }
            lastHash = line.hash();
            knownSize = channel.size();
            if (durable) {
                // only what is on disk: after a power cut the head may lag the file, never lead it
                head.write(lastHash, knownSize);
            }
        } catch (IOException e) {
            throw new AuditException("cannot write to the audit trail " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(String text, long at) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        long pos = at;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
    }

    /**
     * The hash of the last complete event. A torn last line (a crash in the middle of a write) is
     * closed with a newline and recorded by an {@code audit.torn} event, so verification can tell
     * it from tampering.
     */
    private String tailHash(long size) throws IOException {
        // Read back from the end, a little at first: the last event is a line of a few hundred
        // bytes, and every run comes here once, however long the trail has grown.
        for (long window = Math.min(size, FIRST_WINDOW); window > 0; window = window == size ? 0 : Math.min(size, window * 8)) {
            boolean fromStart = window == size;
            String tail = read(size - window, (int) window);
            int cut = tail.lastIndexOf('\n');
            String prevHash = lastCompleteHash(tail.substring(0, cut + 1), fromStart);
            if (prevHash == null && !fromStart && window < MAX_WINDOW) {
                continue;  // no complete event in the window (or the torn line is longer): read further back
            }
            prevHash = prevHash == null ? AuditCodec.GENESIS : prevHash;
            if (cut == tail.length() - 1) {
                return prevHash;
            }
            String fragment = tail.substring(cut + 1);
            long tornLine = countLines() + 1;
            write("\n", size);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("line", tornLine);
            data.put("bytes", fragment.getBytes(StandardCharsets.UTF_8).length);
            data.put("sha256", AuditCodec.sha256(fragment));
            return appendOwn("audit.torn", data, prevHash, channel.size());
        }
        return AuditCodec.GENESIS;
    }

    /** The first look back from the end of the file, and the furthest (an event is never that long). */
    private static final long FIRST_WINDOW = 16 * 1024;
    private static final long MAX_WINDOW = 64L * 1024 * 1024;

    private String read(long from, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining() && channel.read(buf, from + buf.position()) >= 0) {
            // a positional read may return fewer bytes than asked
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    /** Chains an {@code audit.truncated} event: the file lost the events up to the head's mark. */
    private String recordCut(AuditHead.Mark mark, long size) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("head_hash", mark.hash());
        data.put("head_size", mark.size());
        data.put("size", size);
        String hash = appendOwn("audit.truncated", data, lastHash, size);
        warnings.accept("warning: the audit trail " + file + " was cut short: it no longer holds its last recorded event (it ended at byte "
                + mark.size() + ", the file now has " + size + "); recorded as an audit.truncated event (see: runbook audit verify)");
        return hash;
    }

    /** Appends, durably, an event of the trail's own (no run) after {@code prevHash}; returns its hash. */
    private String appendOwn(String type, Map<String, Object> data, String prevHash, long at) throws IOException {
        AuditEvent own = new AuditEvent(AuditEvent.VERSION, "-", 0, Instant.now().toString(), type, null,
                null, null, new AuditEvent.Actor(dev.runbook.model.LocalUser.current().name(), "rule"), data, null, null);
        AuditCodec.Line line = AuditCodec.encode(own, prevHash);
        write(line.text() + "\n", at);
        channel.force(false);
        head.write(line.hash(), channel.size());
        return line.hash();
    }

    private long countLines() throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.count() - 1;
        } catch (java.io.UncheckedIOException e) {
            return -1;
        }
    }

    /**
     * The hash of the last event among complete lines; null when there is none. The first line of
     * a window that does not start the file may be the end of a longer one, so it does not count.
     */
    private static String lastCompleteHash(String text, boolean fromStart) {
        int end = text.length();
        while (end > 0) {
            int start = text.lastIndexOf('\n', end - 2) + 1;
            if (start == 0 && !fromStart) {
                return null;
            }
            String hash = AuditCodec.trailingHash(text.substring(start, end));
            if (hash != null) {
                return hash;
            }
            end = start;
        }
        return null;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    public synchronized void close() {
        head.close();
        try {
            channel.close();
        } catch (IOException e) {
            // closing after the last fsync: nothing left to lose
        }
    }
}
