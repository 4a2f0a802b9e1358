package dev.runbook.audit.pg;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditSink;
import dev.runbook.engine.RunLocks;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The PostgreSQL audit store: the sink a run writes to, the reader for history, show, verify and
 * export, run locks across machines, and the maintenance commands (flush, import, retention).
 *
 * <p>Every method that talks to PostgreSQL throws {@link dev.runbook.audit.AuditException} with a
 * one-line message when it cannot (never a password), and
 * {@link dev.runbook.model.InvalidInputException} when the password's source is missing.
 */
public final class PgAuditStore implements AutoCloseable {
    private final PgSettings settings;
    private final Path spoolDir;
    private final Consumer<String> notices;
    private PgAuditSink shared;

    /**
     * @param spoolDir the state directory's {@code spool/}
     * @param notices  where the sink and the locks tell the person running something about a
     *                 fallback (connect to {@code RunListener.notice})
     */
    public PgAuditStore(PgSettings settings, Path spoolDir, Consumer<String> notices) {
        this.settings = settings;
        this.spoolDir = spoolDir;
        this.notices = notices;
    }

    public PgSettings settings() {
        return settings;
    }

    /** A sink for one run; delivers earlier spooled events when it has nothing else to do. */
    public PgAuditSink sink() {
        return new PgAuditSink(settings, spoolDir, notices);
    }

    /**
     * A view of one sink shared by every run of this process (a daemon running several at once):
     * one writer, one connection, one spool file, and commits grouped across the runs. Closing the
     * view waits until what was appended through the sink so far is committed or spooled; the
     * sink itself closes with this store.
     */
    public AuditSink sharedSink() {
        PgAuditSink sink;
        synchronized (this) {
            if (shared == null) {
                shared = sink();
            }
            sink = shared;
        }
        return new AuditSink() {
            @Override
            public void append(AuditEvent event, boolean durable) {
                sink.append(event, durable);
            }

            @Override
            public String describe() {
                return sink.describe();
            }

            @Override
            public void close() {
                sink.flush();
            }
        };
    }

    /** Closes the shared sink, if one was made. */
    @Override
    public synchronized void close() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    public PgAuditReader reader() {
        return new PgAuditReader(settings);
    }

    /** @param local this machine's locks, taken first (see {@link PgRunLocks}) */
    public RunLocks locks(RunLocks local) {
        return new PgRunLocks(settings, local, notices);
    }

    public String describe() {
        return "postgres " + settings.where() + " (schema " + settings.schema() + ")";
    }

    /**
     * What {@code audit flush} did.
     *
     * @param held spool files still written by running processes (delivered when they end)
     */
    public record Flushed(int files, long inserted, long duplicates, long torn, List<Path> held, List<Path> kept) {}

    /** Whether this machine's spool holds events that wait for delivery. */
    public boolean spooled() {
        return !new Spool(spoolDir).others().isEmpty();
    }

    /** Delivers every spool file no running process holds. */
    public Flushed flush() {
        List<Path> held = new ArrayList<>();
        List<Path> kept = new ArrayList<>();
        int files = 0;
        long inserted = 0;
        long duplicates = 0;
        long torn = 0;
        try (Connection c = open("flush"); ChainWriter w = new ChainWriter(c, settings)) {
            for (Path f : new Spool(spoolDir).others()) {
                Spool.Delivery d = Spool.deliver(f, events -> w.write(events, true));
                if (d == null) {
                    continue;
                }
                if (d.held()) {
                    held.add(f);
                    continue;
                }
                files++;
                inserted += d.inserted();
                duplicates += d.duplicates();
                torn += d.torn();
                if (d.unreadable() > 0) {
                    kept.add(f.resolveSibling(f.getFileName() + ".bad"));
                }
            }
        } catch (SQLException e) {
            throw PgConnections.failure(e, settings);
        } catch (IOException e) {
            throw new dev.runbook.audit.AuditException("cannot read the spool in " + spoolDir + ": " + e.getMessage(), e);
        }
        return new Flushed(files, inserted, duplicates, torn, held, kept);
    }

    /** Loads a JSONL audit file (its chain verified first); idempotent. */
    public Import.Result importFile(Path file, AuditEvent.Actor by) {
        try (Connection c = open("import")) {
            return Import.run(c, settings, file, by);
        } catch (SQLException e) {
            throw PgConnections.failure(e, settings);
        } catch (IOException e) {
            throw new dev.runbook.audit.AuditException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Drops the partitions older than the current month and the {@code keepMonths} before it. */
    public Retention.Result retention(int keepMonths, boolean dryRun, AuditEvent.Actor by) {
        try (Connection c = open("retention")) {
            return Retention.run(c, settings, keepMonths, dryRun, by);
        } catch (SQLException e) {
            throw PgConnections.failure(e, settings);
        }
    }

    /** How many months after this one {@link #prepare} creates partitions for unless told. */
    public static final int MONTHS_AHEAD = AuditSchema.MONTHS_AHEAD;

    /**
     * What {@code audit prepare} did.
     *
     * @param owner   the role that owns the tables
     * @param version the tables' schema version
     * @param created the partitions created, oldest first
     * @param through the last month that has a partition now
     */
    public record Prepared(String owner, int version, List<String> created, java.time.YearMonth through) {}

    /**
     * As the tables' owner: creates or migrates the tables, and creates the partitions of this month
     * and the {@code monthsAhead} after it, which roles that may only append cannot.
     */
    public Prepared prepare(int monthsAhead) {
        try (Connection c = PgConnections.open(settings, "prepare", PgConnections.READ_SOCKET_TIMEOUT_S)) {
            return AuditSchema.prepareAhead(c, settings, monthsAhead);
        } catch (SQLException e) {
            throw PgConnections.failure(e, settings);
        }
    }

    private Connection open(String purpose) throws SQLException {
        Connection c = PgConnections.open(settings, purpose, PgConnections.READ_SOCKET_TIMEOUT_S);
        try {
            AuditSchema.prepare(c, settings);
            return c;
        } catch (SQLException | RuntimeException e) {
            PgConnections.closeQuietly(c);
            throw e;
        }
    }
}
