package dev.runbook.audit.pg;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditException;
import dev.runbook.audit.AuditSink;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The audit trail in PostgreSQL. {@link #append} hands the event to a background writer that
 * commits whatever has queued up in one transaction (group commit), so a step never waits for a
 * round trip; a durable event returns once its batch is committed.
 *
 * <p>When PostgreSQL cannot be reached or fails mid-run, the run goes on: events go to this
 * process's spool file (fsynced when durable), the person running it is told once through
 * {@code notices}, and the writer retries in the background. Once PostgreSQL answers again it
 * delivers the spool first, then writes directly again. A durable event that is not committed
 * within twice the connect timeout (PostgreSQL hangs rather than refuses) is spooled by the caller
 * itself, and the events after it go straight to the spool: it may then be stored twice over,
 * which delivery's idempotence on {@code (run_id, seq)} absorbs.
 */
public final class PgAuditSink implements AuditSink {
    static final int MAX_BATCH = 2000;
    private static final long MAX_BACKOFF_MS = 15_000;
    private static final Pending STOP = new Pending(null, null);

    private final PgSettings settings;
    private final Spool spool;
    private final Consumer<String> notices;
    private final Duration durableWait;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final AtomicBoolean toldDown = new AtomicBoolean();
    private final AtomicLong spooledTotal = new AtomicLong();
    private volatile boolean spooling;
    private volatile boolean closed;
    // writer thread only
    private ChainWriter chain;
    private volatile long retryAt;
    private volatile long backoffMs = 1000;
    private List<Path> leftovers;

    private record Pending(Unchained event, CompletableFuture<Void> done) {}

    /**
     * @param spoolDir the state directory's {@code spool/}
     * @param notices  told, from the writer thread, when events start going to the spool and when
     *                 they are delivered; must not throw
     */
    public PgAuditSink(PgSettings settings, Path spoolDir, Consumer<String> notices) {
        this(settings, spoolDir, notices, settings.connectTimeout().multipliedBy(2));
    }

    PgAuditSink(PgSettings settings, Path spoolDir, Consumer<String> notices, Duration durableWait) {
        this.settings = settings;
        this.spool = new Spool(spoolDir);
        this.notices = notices;
        this.durableWait = durableWait;
        this.writer = new Thread(this::run, "audit-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void append(AuditEvent event, boolean durable) {
        if (closed) {
            throw new AuditException("the audit trail is closed");
        }
        // encoded here, where the event is: the writer thread only chains and sends
        Unchained line = Unchained.of(event);
        if (spooling) {
            spoolNow(line, durable);
            return;
        }
        if (!durable) {
            queue.add(new Pending(line, null));
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Pending(line, done));
        try {
            done.get(durableWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            degrade("PostgreSQL at " + settings.where() + " did not commit within " + durableWait.toSeconds() + " s");
            spoolNow(line, true);
        } catch (InterruptedException e) {
            spoolNow(line, true);
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof AuditException a ? a : new AuditException(e.getCause().getMessage(), e.getCause());
        }
    }

    private void spoolNow(Unchained event, boolean durable) {
        try {
            spool.append(List.of(event.body()), durable);
            spooledTotal.incrementAndGet();
        } catch (IOException e) {
            throw new AuditException("cannot write the audit spool in " + spool.dir() + ": " + e.getMessage(), e);
        }
    }

    /** Events go to the spool from now on; the person running it is told once. */
    private void degrade(String problem) {
        retryAt = System.nanoTime() + backoffMs * 1_000_000;
        spooling = true;
        if (toldDown.compareAndSet(false, true)) {
            tell("audit: " + problem + "; the run goes on, its events are kept in " + spool.dir()
                    + " and delivered when PostgreSQL answers again (or by: runbook audit flush)");
        }
    }

    private void tell(String message) {
        try {
            notices.accept(message);
        } catch (RuntimeException e) {
            // a broken console must not break the audit trail
        }
    }

    private void run() {
        leftovers = new ArrayList<>(spool.others());
        try {
            connected();  // now, while the engine takes its run lock: the two handshakes overlap
        } catch (SQLException | RuntimeException e) {
            disconnect();
            degrade(PgConnections.describe(e, settings));
        }
        List<Pending> batch = new ArrayList<>();
        try {
            while (true) {
                Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    idle();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                boolean stop = batch.removeIf(p -> p == STOP);
                if (!batch.isEmpty()) {
                    write(batch);
                }
                batch.clear();
                if (stop) {
                    break;
                }
            }
            finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            PgConnections.closeQuietly(chain);
            spool.close();
        }
    }

    private void write(List<Pending> batch) {
        List<Unchained> events = new ArrayList<>(batch.size());
        boolean durable = false;
        for (Pending p : batch) {
            if (p.event() != null) {  // null: a flush's barrier, done once what came before it is
                events.add(p.event());
            }
            durable |= p.done() != null;
        }
        if (events.isEmpty()) {
            batch.forEach(p -> complete(p, null));
            return;
        }
        if (!spooling) {
            try {
                connected().write(events, false);
                batch.forEach(p -> complete(p, null));
                return;
            } catch (SQLException | RuntimeException e) {
                disconnect();
                degrade(PgConnections.describe(e, settings));
            }
        }
        try {
            spool.append(events.stream().map(Unchained::body).toList(), durable);
            spooledTotal.addAndGet(events.size());
            batch.forEach(p -> complete(p, null));
        } catch (IOException e) {
            AuditException failure = new AuditException("cannot write the audit spool in " + spool.dir() + ": " + e.getMessage(), e);
            batch.forEach(p -> complete(p, failure));
            tell("audit: " + failure.getMessage() + "; events are being lost");
        }
    }

    private static void complete(Pending p, AuditException failure) {
        if (p.done() != null) {
            if (failure == null) {
                p.done().complete(null);
            } else {
                p.done().completeExceptionally(failure);
            }
        }
    }

    private ChainWriter connected() throws SQLException {
        if (chain == null) {
            Connection c = PgConnections.open(settings, "audit", PgConnections.WRITE_SOCKET_TIMEOUT_S);
            try {
                AuditSchema.prepare(c, settings);
            } catch (SQLException | RuntimeException e) {
                PgConnections.closeQuietly(c);
                throw e;
            }
            chain = new ChainWriter(c, settings);
        }
        return chain;
    }

    private void disconnect() {
        PgConnections.closeQuietly(chain);
        chain = null;
    }

    /** Between batches: retry PostgreSQL when spooling, else deliver what waits in spools. */
    private void idle() {
        if (spooling) {
            if (System.nanoTime() - retryAt >= 0) {
                recover();
            }
            return;
        }
        try {
            if (spool.hasOwn()) {
                spool.deliverOwn(events -> connected().write(events, true));
            } else if (!leftovers.isEmpty()) {
                Spool.deliver(leftovers.remove(0), events -> connected().write(events, true));
            }
        } catch (IOException | SQLException | RuntimeException e) {
            disconnect();
            degrade(PgConnections.describe(e, settings));
        }
    }

    private void recover() {
        try {
            Spool.Delivery d;
            synchronized (spool) {
                d = spool.deliverOwn(events -> connected().write(events, true));
                spooling = false;
            }
            backoffMs = 1000;
            tell("audit: PostgreSQL at " + settings.where() + " answers again; " + d.inserted()
                    + " spooled event" + (d.inserted() == 1 ? "" : "s") + " delivered");
            toldDown.set(false);
        } catch (IOException | SQLException | RuntimeException e) {
            disconnect();
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            retryAt = System.nanoTime() + backoffMs * 1_000_000;
        }
    }

    /** At close, when PostgreSQL answers: deliver what this and earlier processes spooled. */
    private void finish() {
        if (spooling) {
            return;
        }
        try {
            spool.deliverOwn(events -> connected().write(events, true));
            for (Path p : leftovers) {
                Spool.deliver(p, events -> connected().write(events, true));
            }
            leftovers.clear();
        } catch (IOException | SQLException | RuntimeException e) {
            // they stay in the spool for the next run or runbook audit flush
        }
    }

    /**
     * Returns once every event appended before it is committed or in the spool (a sink shared by
     * several runs: each run's end waits for its own events only as long as needed).
     */
    public void flush() {
        if (closed) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Pending(null, done));
        try {
            done.get(PgConnections.WRITE_SOCKET_TIMEOUT_S * 2L, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the writer is stuck on PostgreSQL: it spools what it holds when its socket times out
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether events are going to the spool now (PostgreSQL failed and has not answered since). */
    public boolean spooling() {
        return spooling;
    }

    @Override
    public String describe() {
        long n = spool.ownEvents();
        return "postgres " + settings.where() + (n == 0 ? "" : " (" + n + " event" + (n == 1 ? "" : "s")
                + " spooled in " + spool.dir() + ": runbook audit flush delivers them)");
    }

    /**
     * Waits for the writer to store or spool every queued event. Should the writer hang on
     * PostgreSQL past the socket timeout, what is still queued is spooled from here.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(PgConnections.WRITE_SOCKET_TIMEOUT_S * 2L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            List<Pending> rest = new ArrayList<>();
            queue.drainTo(rest);
            rest.removeIf(p -> p == STOP || p.event() == null);
            try {
                spool.append(rest.stream().map(p -> p.event().body()).toList(), true);
            } catch (IOException e) {
                tell("audit: cannot write the audit spool in " + spool.dir() + ": " + e.getMessage());
            }
            rest.forEach(p -> complete(p, null));
            writer.interrupt();
        }
    }
}
