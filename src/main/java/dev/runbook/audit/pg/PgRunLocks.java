package dev.runbook.audit.pg;

import dev.runbook.audit.AuditCodec;
import dev.runbook.engine.LockedException;
import dev.runbook.engine.RunLocks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Consumer;

/**
 * Run locks across machines: a session-level PostgreSQL advisory lock on a key derived from the
 * runbook and its targets, held on a connection of its own for the whole run. PostgreSQL drops
 * the lock with the session, so a holder that died (or whose machine did) never blocks the next
 * run. A {@code run_locks} row names the holder for the exit-4 message; a row left by a dead
 * session is taken over and reported through {@link Lease#takenOverFrom()}.
 *
 * <p>The local lock ({@code locks/} of the state directory) is taken first, so runs on the same
 * machine keep excluding each other even while PostgreSQL is down. When PostgreSQL cannot be
 * reached the run goes on under the local lock alone, and the person running it is told.
 */
public final class PgRunLocks implements RunLocks {
    private final PgSettings s;
    private final RunLocks local;
    private final Consumer<String> notices;

    public PgRunLocks(PgSettings settings, RunLocks local, Consumer<String> notices) {
        this.s = settings;
        this.local = local;
        this.notices = notices;
    }

    /** The advisory lock key of a runbook on a set of targets, the same on every machine. */
    static long key(String runbook, String targetKey) {
        return Long.parseUnsignedLong(AuditCodec.sha256("runbook:run-lock\n" + runbook + "\n" + targetKey).substring(0, 16), 16);
    }

    @Override
    public Lease acquire(String runbook, String targetKey, Holder me) {
        Lease localLease = local.acquire(runbook, targetKey, me);
        Connection c = null;
        try {
            c = PgConnections.open(s, "run lock", 0);
            AuditSchema.migrate(c, s);  // the lock needs run_locks, not this month's partition
            long key = key(runbook, targetKey);
            if (!tryLock(c, key)) {
                Holder holder = holder(c, key);
                PgConnections.closeQuietly(c);
                localLease.close();
                throw new LockedException(runbook, targetKey, holder);
            }
            Holder previous = readRow(c, key);
            write(c, key, runbook, targetKey, me);
            Holder takenOver = previous != null ? previous : localLease.takenOverFrom();
            return new PgLease(c, key, me.runId(), takenOver, localLease);
        } catch (SQLException | RuntimeException e) {
            if (e instanceof LockedException locked) {
                throw locked;
            }
            PgConnections.closeQuietly(c);
            tell("run lock: " + PgConnections.describe(e, s) + "; this run is locked on this machine only");
            return localLease;
        }
    }

    private void tell(String message) {
        try {
            notices.accept(message);
        } catch (RuntimeException e) {
            // a broken console must not stop the run
        }
    }

    private static boolean tryLock(Connection c, long key) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            q.setLong(1, key);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The holder's row; it may lag a moment behind its lock, so look again briefly. */
    private Holder holder(Connection c, long key) throws SQLException {
        for (int attempt = 0; attempt < 10; attempt++) {
            Holder h = readRow(c, key);
            if (h != null) {
                return h;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return null;
    }

    private Holder readRow(Connection c, long key) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT pid, username, machine, started_at, run_id FROM "
                + s.table("run_locks") + " WHERE lock_key = ?")) {
            q.setLong(1, key);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? new Holder(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)) : null;
            }
        }
    }

    private void write(Connection c, long key, String runbook, String targetKey, Holder me) throws SQLException {
        try (PreparedStatement up = c.prepareStatement("INSERT INTO " + s.table("run_locks")
                + " (lock_key, runbook, target_key, run_id, pid, username, machine, started_at, backend_pid) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, pg_backend_pid()) ON CONFLICT (lock_key) DO UPDATE SET "
                + "runbook = excluded.runbook, target_key = excluded.target_key, run_id = excluded.run_id, pid = excluded.pid, "
                + "username = excluded.username, machine = excluded.machine, started_at = excluded.started_at, "
                + "backend_pid = excluded.backend_pid, acquired_at = now()")) {
            up.setLong(1, key);
            up.setString(2, runbook);
            up.setString(3, targetKey);
            up.setString(4, me.runId());
            up.setLong(5, me.pid());
            up.setString(6, me.user());
            up.setString(7, me.machine());
            up.setString(8, me.startedAt());
            up.executeUpdate();
        }
    }

    private final class PgLease implements Lease {
        private final Connection c;
        private final long key;
        private final String runId;
        private final Holder takenOverFrom;
        private final Lease localLease;

        PgLease(Connection c, long key, String runId, Holder takenOverFrom, Lease localLease) {
            this.c = c;
            this.key = key;
            this.runId = runId;
            this.takenOverFrom = takenOverFrom;
            this.localLease = localLease;
        }

        @Override
        public Holder takenOverFrom() {
            return takenOverFrom;
        }

        /** Removes the row, then the lock; if the connection is gone, so is the lock, and the row is stale. */
        @Override
        public void close() {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM " + s.table("run_locks")
                    + " WHERE lock_key = ? AND run_id = ?");
                 PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                del.setLong(1, key);
                del.setString(2, runId);
                del.executeUpdate();
                unlock.setLong(1, key);
                unlock.execute();
            } catch (SQLException e) {
                // the session ends below, and its advisory lock with it
            } finally {
                PgConnections.closeQuietly(c);
                localLease.close();
            }
        }
    }
}
