package dev.runbook.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Run locks as OS file locks in the state directory's {@code locks/}. The kernel drops a lock
 * when its process dies; the holder written in the file then tells that the lock was taken over.
 */
public final class FileRunLocks implements RunLocks {
    private final Path dir;

    public FileRunLocks(Path dir) {
        this.dir = dir;
    }

    @Override
    public Lease acquire(String runbook, String targetKey, Holder me) {
        Path file = dir.resolve(fileName(runbook, targetKey));
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            // never through a link: it would empty any file the user may write
            ch = dev.runbook.audit.StrictModes.open(file, StandardOpenOption.READ);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                Holder holder = read(ch);
                ch.close();
                throw new LockedException(runbook, targetKey, holder);
            }
            Holder previous = read(ch);
            ch.truncate(0);
            Map<String, Object> holder = new java.util.LinkedHashMap<>();
            holder.put("pid", me.pid());
            holder.put("user", me.user());
            holder.put("machine", me.machine());
            holder.put("started_at", me.startedAt());
            holder.put("run_id", me.runId());
            ch.write(ByteBuffer.wrap(dev.runbook.expr.Json.write(holder).getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new FileLease(ch, lock, previous);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IllegalStateException("cannot take the run lock " + file + ": " + e.getMessage(), e);
        }
    }

    static String fileName(String runbook, String targetKey) {
        String key = targetKey.length() > 60 || !targetKey.matches("[A-Za-z0-9_.,@-]+")
                ? dev.runbook.audit.AuditCodec.sha256(targetKey).substring(0, 16) : targetKey;
        return runbook.replaceAll("[^A-Za-z0-9_.-]", "_") + "@" + key + ".lock";
    }

    private static Holder read(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0 || size > 4096) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        ch.read(buf, 0);
        try {
            if (!(dev.runbook.expr.Json.parse(new String(buf.array(), StandardCharsets.UTF_8)) instanceof Map<?, ?> n)) {
                return null;
            }
            return new Holder(n.get("pid") instanceof Number pid ? pid.longValue() : 0, text(n, "user"), text(n, "machine"),
                    text(n, "started_at"), text(n, "run_id"));
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(Map<?, ?> n, String field) {
        Object v = n.get(field);
        return v == null ? "" : v.toString();
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // already failing; the first error is the one reported
            }
        }
    }

    private record FileLease(FileChannel ch, FileLock lock, Holder takenOverFrom) implements Lease {
        @Override
        public void close() {
            try {
                ch.truncate(0);
                lock.release();
            } catch (IOException e) {
                // the lock goes with the channel below
            }
            closeQuietly(ch);
        }
    }
}
