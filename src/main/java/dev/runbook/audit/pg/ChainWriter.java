package dev.runbook.audit.pg;

import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.EventText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.postgresql.PGConnection;

/**
 * Chains and stores a batch of events in one transaction: lock the chain head, link each event to
 * the one before, insert them all, move the head, commit. Concurrent writers, on this machine or
 * others, take turns on the head row, so positions and links never fork.
 */
final class ChainWriter implements AutoCloseable {
    private final Connection c;
    private final PgSettings s;

    /** What a write did: events inserted, events already stored (skipped), the new head. */
    record Written(int inserted, int duplicates, long pos, String hash) {}

    ChainWriter(Connection c, PgSettings s) {
        this.c = c;
        this.s = s;
    }

    Connection connection() {
        return c;
    }

    /**
     * @param dedupe skip events whose {@code (run_id, seq)} is already stored: needed when the
     *               events may have been delivered before (a spool, an import); fresh events from
     *               the engine cannot have been
     */
    Written write(List<Unchained> events, boolean dedupe) throws SQLException {
        c.setAutoCommit(false);
        try {
            long pos;
            String hash;
            OffsetDateTime recordedAt;
            try (PreparedStatement q = c.prepareStatement("SELECT pos, hash, recorded_at, clock_timestamp() FROM "
                    + s.table("audit_head") + " WHERE id = 1 FOR UPDATE"); ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("the audit chain head row is missing from " + s.table("audit_head"));
                }
                pos = rs.getLong(1);
                hash = rs.getString(2);
                OffsetDateTime last = rs.getObject(3, OffsetDateTime.class);
                OffsetDateTime now = rs.getObject(4, OffsetDateTime.class);
                recordedAt = (now.isAfter(last) ? now : last).withOffsetSameInstant(ZoneOffset.UTC);
            }
            AuditSchema.ensurePartition(c, s, YearMonth.from(recordedAt));
            List<Unchained> todo = dedupe ? fresh(events) : events;
            if (!todo.isEmpty()) {
                StringBuilder rows = new StringBuilder(todo.size() * 700);
                String at = recordedAt.toString();
                for (Unchained e : todo) {
                    AuditCodec.Line line = EventText.chain(e.body(), hash);
                    pos++;
                    hash = line.hash();
                    rows.append(pos).append('\t').append(at).append('\t');
                    copyText(rows, e.runId()).append('\t').append(e.seq()).append('\t')
                            .append(timestamp(e.ts(), recordedAt)).append('\t');
                    copyText(rows, e.type()).append('\t');
                    copyText(rows, e.runbook()).append('\t').append(hash).append('\t');
                    copyText(rows, line.text()).append('\n');
                }
                copy(rows);
                try (PreparedStatement up = c.prepareStatement("UPDATE " + s.table("audit_head")
                        + " SET pos = ?, hash = ?, recorded_at = ? WHERE id = 1")) {
                    up.setLong(1, pos);
                    up.setString(2, hash);
                    up.setObject(3, recordedAt);
                    up.executeUpdate();
                }
            }
            c.commit();
            return new Written(todo.size(), events.size() - todo.size(), pos, hash);
        } catch (SQLException | RuntimeException e) {
            AuditSchema.forget(s);
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is gone: the transaction went with it
            }
            throw e;
        }
    }

    /** COPY is several times faster than batched INSERTs for the rows of a batch. */
    private void copy(StringBuilder rows) throws SQLException {
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + s.table("audit_events")
                    + " (pos, recorded_at, run_id, seq, ts, type, runbook, hash, line) FROM STDIN",
                    new ByteArrayInputStream(rows.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new SQLException("cannot send events: " + e.getMessage(), "08006", e);
        }
    }

    /** A value in COPY's text format: null as \N, and backslash, tab, newline and return escaped. */
    private static StringBuilder copyText(StringBuilder sb, String v) {
        if (v == null) {
            return sb.append("\\N");
        }
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(ch);
            }
        }
        return sb;
    }

    /** The events not stored yet, each once. */
    private List<Unchained> fresh(List<Unchained> events) throws SQLException {
        Set<String> runs = new HashSet<>();
        events.forEach(e -> runs.add(e.runId()));
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
        List<Unchained> out = new ArrayList<>();
        for (Unchained e : events) {
            if (seen.add(e.key())) {
                out.add(e);
            }
        }
        return out;
    }

    private static OffsetDateTime timestamp(String ts, OffsetDateTime fallback) {
        if (ts == null) {
            return fallback;
        }
        try {
            return Instant.parse(ts).atOffset(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    @Override
    public void close() {
        PgConnections.closeQuietly(c);
    }
}
