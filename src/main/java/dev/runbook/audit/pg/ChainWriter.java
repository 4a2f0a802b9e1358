package dev.runbook.audit.pg;

import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.EventText;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Chains and stores a batch of events in one statement, one round trip: it moves the chain head
 * from where this writer last saw it to the batch's last event and, in the same statement, inserts
 * the batch linked to that head. If another writer (this machine or another) moved the head
 * meanwhile, the head's condition fails, nothing is inserted, and the batch is chained again onto
 * the new head. So positions and links never fork, whoever writes, and a durable event costs one
 * commit's round trip.
 *
 * <p>{@code recorded_at} (the partition key) is the later of the database's clock and the head's
 * previous value, so it never goes backwards along the chain.
 */
final class ChainWriter implements AutoCloseable {
    private static final int MAX_ATTEMPTS = 1000;
    private final Connection c;
    private final PgSettings s;
    private PreparedStatement insert;
    private long headPos = -1;
    private String headHash;

    /** What a write did: events inserted, events already stored (skipped), the new head. */
    record Written(int inserted, int duplicates, long pos, String hash) {}

    ChainWriter(Connection c, PgSettings s) {
        this.c = c;
        this.s = s;
    }

    /**
     * Stores the events. In autocommit mode the statement commits them; inside a transaction the
     * caller commits.
     *
     * @param dedupe skip events whose {@code (run_id, seq)} is already stored: needed when the
     *               events may have been delivered before (a spool, an import); fresh events from
     *               the engine cannot have been
     */
    Written write(List<Unchained> events, boolean dedupe) throws SQLException {
        try {
            ensureThisMonth();
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                if (headPos < 0) {
                    readHead();
                }
                List<Unchained> todo = dedupe ? fresh(events) : events;
                if (todo.isEmpty()) {
                    return new Written(0, events.size(), headPos, headHash);
                }
                Batch b = chain(todo);
                if (insert(b) == todo.size()) {
                    headPos = b.lastPos;
                    headHash = b.lastHash;
                    return new Written(todo.size(), events.size() - todo.size(), headPos, headHash);
                }
                headPos = -1;  // another writer moved the head: chain onto where it is now
            }
            throw new SQLException("the audit chain head kept moving: gave up after " + MAX_ATTEMPTS + " attempts");
        } catch (SQLException | RuntimeException e) {
            headPos = -1;
            AuditSchema.forget(s);
            throw e;
        }
    }

    private record Batch(Long[] pos, String[] runId, Long[] seq, String[] ts, String[] type, String[] runbook,
                         String[] hash, String[] line, long firstPrevPos, String firstPrev, long lastPos, String lastHash) {}

    private Batch chain(List<Unchained> todo) {
        int n = todo.size();
        Batch b = new Batch(new Long[n], new String[n], new Long[n], new String[n], new String[n], new String[n],
                new String[n], new String[n], headPos, headHash, 0, null);
        long pos = headPos;
        String prev = headHash;
        for (int i = 0; i < n; i++) {
            Unchained e = todo.get(i);
            AuditCodec.Line line = EventText.chain(e.body(), prev);
            prev = line.hash();
            b.pos()[i] = ++pos;
            b.runId()[i] = e.runId();
            b.seq()[i] = e.seq();
            b.ts()[i] = timestamp(e.ts());
            b.type()[i] = e.type();
            b.runbook()[i] = e.runbook();
            b.hash()[i] = prev;
            b.line()[i] = line.text();
        }
        return new Batch(b.pos(), b.runId(), b.seq(), b.ts(), b.type(), b.runbook(), b.hash(), b.line(),
                headPos, headHash, pos, prev);
    }

    /** The number of events inserted: all of them, or none when the head was not where expected. */
    private int insert(Batch b) throws SQLException {
        if (insert == null) {
            insert = c.prepareStatement("WITH moved AS (UPDATE " + s.table("audit_head")
                    + " SET pos = ?, hash = ?, recorded_at = greatest(clock_timestamp(), recorded_at)"
                    + " WHERE id = 1 AND pos = ? AND hash = ? RETURNING recorded_at)"
                    + " INSERT INTO " + s.table("audit_events") + " (pos, recorded_at, run_id, seq, ts, type, runbook, hash, line)"
                    + " SELECT u.pos, moved.recorded_at, u.run_id, u.seq, coalesce(u.ts::timestamptz, moved.recorded_at),"
                    + " u.type, u.runbook, u.hash, u.line FROM moved, unnest(?::bigint[], ?::text[], ?::bigint[], ?::text[],"
                    + " ?::text[], ?::text[], ?::text[], ?::text[]) AS u(pos, run_id, seq, ts, type, runbook, hash, line)");
        }
        insert.setLong(1, b.lastPos());
        insert.setString(2, b.lastHash());
        insert.setLong(3, b.firstPrevPos());
        insert.setString(4, b.firstPrev());
        insert.setArray(5, c.createArrayOf("bigint", b.pos()));
        insert.setArray(6, c.createArrayOf("text", b.runId()));
        insert.setArray(7, c.createArrayOf("bigint", b.seq()));
        insert.setArray(8, c.createArrayOf("text", b.ts()));
        insert.setArray(9, c.createArrayOf("text", b.type()));
        insert.setArray(10, c.createArrayOf("text", b.runbook()));
        insert.setArray(11, c.createArrayOf("text", b.hash()));
        insert.setArray(12, c.createArrayOf("text", b.line()));
        return insert.executeUpdate();
    }

    private void readHead() throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT pos, hash FROM " + s.table("audit_head") + " WHERE id = 1");
             ResultSet rs = q.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the audit chain head row is missing from " + s.table("audit_head"));
            }
            headPos = rs.getLong(1);
            headHash = rs.getString(2);
        }
    }

    /**
     * A process that outlives its months ahead creates the next partitions itself when its role owns
     * the tables; under another role it only looks for this month's, which the owner creates ahead.
     */
    private void ensureThisMonth() throws SQLException {
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        YearMonth next = now.plusMonths(1);
        if (AuditSchema.knows(s, now) && (AuditSchema.knows(s, next) || AuditSchema.ownedBySomeoneElse(s))) {
            return;
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            AuditSchema.ensurePartition(c, s, now, true);
            AuditSchema.ensurePartition(c, s, next, false);
            if (auto) {
                c.commit();
            }
        } finally {
            if (auto) {
                c.setAutoCommit(true);
            }
        }
    }

    /** The events not stored yet, each once. */
    private List<Unchained> fresh(List<Unchained> events) throws SQLException {
        Set<String> runs = new HashSet<>();
        Set<String> runlessTimes = new HashSet<>();
        for (Unchained e : events) {
            if (!e.runless()) {
                runs.add(e.runId());
            } else {
                String ts = timestamp(e.ts());
                if (ts != null) {
                    runlessTimes.add(ts);
                }
            }
        }
        Set<String> seen = new HashSet<>();
        try (PreparedStatement q = c.prepareStatement("SELECT run_id, seq FROM " + s.table("audit_events")
                + " WHERE run_id = ANY(?)")) {
            q.setArray(1, c.createArrayOf("text", runs.toArray()));
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    seen.add(rs.getString(1) + "\u0000" + rs.getLong(2));
                }
            }
        }
        if (!runlessTimes.isEmpty()) {
            // events of no run (schedule.skipped) are known by their text, looked up by their time
            try (PreparedStatement q = c.prepareStatement("SELECT line FROM " + s.table("audit_events")
                    + " WHERE run_id = ? AND ts = ANY(?::timestamptz[])")) {
                q.setString(1, Unchained.RUNLESS);
                q.setArray(2, c.createArrayOf("text", runlessTimes.toArray()));
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        String body = EventText.unchain(rs.getString(1));
                        if (body != null) {
                            seen.add(body);
                        }
                    }
                }
            }
        }
        List<Unchained> out = new ArrayList<>();
        for (Unchained e : events) {
            if (seen.add(e.key())) {
                out.add(e);
            }
        }
        return out;
    }

    /** The event's time for the {@code ts} column; null (the recording time) when it is not an instant. */
    private static String timestamp(String ts) {
        if (ts == null) {
            return null;
        }
        try {
            return Instant.parse(ts).toString();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public void close() {
        PgConnections.closeQuietly(insert);
        PgConnections.closeQuietly(c);
    }
}
