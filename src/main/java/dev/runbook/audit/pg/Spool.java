package dev.runbook.audit.pg;

import dev.runbook.audit.StateDir;
import dev.runbook.audit.StrictModes;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Events waiting for PostgreSQL, in the state directory's {@code spool/}: one file per process
 * ({@code PID-RANDOM.jsonl}, mode 0600), one unchained event per line. A process holds an
 * exclusive lock on its own file while it lives, so a file that nobody holds is finished and may
 * be delivered, by the next run or {@code runbook audit flush}. Delivery is idempotent on
 * {@code (run_id, seq)}: a file delivered twice (a crash between the commit and the delete)
 * still stores each event once.
 */
final class Spool implements AutoCloseable {
    static final int DELIVERY_BATCH = 1000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private Path ownFile;
    private FileChannel own;
    private FileLock ownLock;
    private long ownEvents;

    /** What delivering a file did; {@code held} when a live process still writes it. */
    record Delivery(Path file, boolean held, int inserted, int duplicates, int torn, int unreadable) {}

    Spool(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Appends unchained event lines to this process's file, created on first use. */
    synchronized void append(List<String> bodies, boolean fsync) throws IOException {
        if (own == null) {
            openOwn();
        }
        StringBuilder sb = new StringBuilder();
        for (String b : bodies) {
            sb.append(b).append('\n');
        }
        ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        long at = own.size();  // only this process writes its file: it holds the lock
        while (buf.hasRemaining()) {
            at += own.write(buf, at);
        }
        if (fsync) {
            own.force(false);
        }
        ownEvents += bodies.size();
    }

    private void openOwn() throws IOException {
        new StateDir(dir.getParent()).ensure(dir);
        byte[] r = new byte[4];
        RANDOM.nextBytes(r);
        Path f = dir.resolve(ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(r) + ".jsonl");
        FileChannel ch = StrictModes.open(f, StandardOpenOption.READ);
        ownLock = ch.lock();
        own = ch;
        ownFile = f;
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);  // the file's name survives a crash, not only its content
        } catch (IOException e) {
            // some file systems cannot sync a directory; the content is still synced
        }
    }

    /** Whether this process spooled events that are not delivered yet. */
    synchronized boolean hasOwn() {
        return ownEvents > 0;
    }

    synchronized long ownEvents() {
        return ownEvents;
    }

    /** What a delivery does with a batch of spooled events. */
    interface Sink {
        ChainWriter.Written write(List<Unchained> events) throws java.sql.SQLException;
    }

    /**
     * Delivers this process's own spooled events, then empties its file. Appends wait meanwhile,
     * so none is lost between reading and emptying.
     */
    synchronized Delivery deliverOwn(Sink sink) throws IOException, java.sql.SQLException {
        if (own == null || ownEvents == 0) {
            return new Delivery(ownFile, false, 0, 0, 0, 0);
        }
        own.force(false);
        Delivery d = deliverLines(own, ownFile, sink);
        own.truncate(0);
        own.force(false);
        ownEvents = 0;
        return d;
    }

    /** Spool files of other processes (or earlier runs), oldest first. */
    List<Path> others() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jsonl") && !p.equals(ownFile))
                    .sorted((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified())).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Delivers a file nobody holds, then deletes it (or keeps it as {@code .bad} when a line in
     * the middle cannot be read, after delivering the rest).
     *
     * @return null when the file is gone (delivered by someone else meanwhile)
     */
    static Delivery deliver(Path file, Sink sink) throws IOException, java.sql.SQLException {
        try (FileChannel ch = StrictModes.openExisting(file, java.util.Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE))) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                return new Delivery(file, true, 0, 0, 0, 0);
            }
            Delivery d = deliverLines(ch, file, sink);
            if (d.unreadable() > 0) {
                Files.move(file, file.resolveSibling(file.getFileName() + ".bad"));
            } else {
                Files.delete(file);
            }
            lock.release();
            return d;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Reads through {@code ch} itself and never closes it: closing another descriptor of the file
     * would drop this process's lock on it (POSIX locks belong to the process and the file).
     */
    private static Delivery deliverLines(FileChannel ch, Path file, Sink sink) throws IOException, java.sql.SQLException {
        boolean endsWithNewline = endsWithNewline(ch);
        int inserted = 0;
        int duplicates = 0;
        int torn = 0;
        int unreadable = 0;
        List<Unchained> batch = new ArrayList<>();
        ch.position(0);
        @SuppressWarnings("resource")  // closing the reader would close the channel and its lock
        BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
        {
            String line = r.readLine();
            while (line != null) {
                String next = r.readLine();
                Unchained e = line.isBlank() ? null : Unchained.parse(line);
                if (e != null) {
                    batch.add(e);
                } else if (next == null && !endsWithNewline) {
                    torn++;  // a crash in the middle of a write that never returned: nothing relied on it
                } else if (!line.isBlank()) {
                    unreadable++;
                }
                if (batch.size() >= DELIVERY_BATCH || (next == null && !batch.isEmpty())) {
                    ChainWriter.Written w = sink.write(batch);
                    inserted += w.inserted();
                    duplicates += w.duplicates();
                    batch.clear();
                }
                line = next;
            }
        }
        return new Delivery(file, false, inserted, duplicates, torn, unreadable);
    }

    private static boolean endsWithNewline(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0) {
            return true;
        }
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, size - 1);
        return b.get(0) == '\n';
    }

    /** Syncs and releases this process's file; deletes it when nothing in it waits for delivery. */
    @Override
    public synchronized void close() {
        if (own == null) {
            return;
        }
        try {
            own.force(false);
            if (ownEvents == 0) {
                Files.deleteIfExists(ownFile);
            }
            ownLock.release();
            own.close();
        } catch (IOException e) {
            // the lock goes with the process; the file stays for the next delivery
        }
        own = null;
    }
}
