package dev.runbook.audit.pg;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.ChainReport;
import dev.runbook.audit.EventText;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Verifies the chain in PostgreSQL, in one snapshot, in position order: each row's line hashes to
 * its hash, links to the row before, sits at the next position, and agrees with its columns; and
 * the chain ends where the head row says, so removing the newest events is found too. Starts at
 * genesis, or after the retention checkpoint.
 */
final class ChainCheck {
    private final Connection c;
    private final PgSettings s;
    private final Optional<PgAuditReader.Checkpoint> checkpoint;
    private final String expect;

    /** @param expect the start of a hash to look for (lower case), or null */
    ChainCheck(Connection c, PgSettings s, Optional<PgAuditReader.Checkpoint> checkpoint, String expect) {
        this.c = c;
        this.s = s;
        this.checkpoint = checkpoint;
        this.expect = expect;
    }

    ChainReport run() throws SQLException {
        long pos = checkpoint.map(PgAuditReader.Checkpoint::pos).orElse(0L);
        String prev = checkpoint.map(PgAuditReader.Checkpoint::hash).orElse(AuditCodec.GENESIS);
        String from = checkpoint.map(cp -> "checkpoint at position " + cp.pos()).orElse("genesis");
        List<String> notes = new ArrayList<>();
        checkpoint.ifPresent(cp -> notes.add("verified from the retention checkpoint at position " + cp.pos()
                + ": events recorded before " + cp.cutBefore() + " were dropped by runbook audit retention"));
        long events = 0;
        String expectedAt = expect != null && checkpoint.isPresent() && prev.startsWith(expect) ? "the " + from : null;
        try (PreparedStatement q = c.prepareStatement("SELECT pos, run_id, seq, type, hash, line FROM "
                + s.table("audit_events") + " WHERE pos > ? ORDER BY pos")) {
            q.setFetchSize(5000);
            q.setLong(1, pos);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    long rowPos = rs.getLong(1);
                    String where = "run " + rs.getString(2) + " seq " + rs.getLong(3) + " (position " + rowPos + ")";
                    String problem = problem(rowPos, pos, prev, rs);
                    if (problem != null) {
                        return new ChainReport(events, from, where, problem, notes);
                    }
                    pos = rowPos;
                    prev = rs.getString(5);
                    events++;
                    expectedAt = expectedAt == null && expect != null && prev.startsWith(expect) ? "position " + pos : expectedAt;
                }
            }
        }
        String head = headProblem(pos, prev);
        if (head != null) {
            return new ChainReport(events, from, "position " + (pos + 1), head, notes);
        }
        return new ChainReport(events, from, null, null, notes, events == 0 ? null : "position " + pos, prev, expectedAt);
    }

    private static String problem(long rowPos, long pos, String prev, ResultSet rs) throws SQLException {
        if (rowPos != pos + 1) {
            return "chain broken: position " + (pos + 1) + (rowPos > pos + 2 ? " to " + (rowPos - 1) : "")
                    + " missing before this event (an event was deleted)";
        }
        String line = rs.getString(6);
        ObjectNode n = AuditCodec.parse(line);
        if (n == null || !n.hasNonNull("hash")) {
            return "not an audit event: the stored line is not a chained JSON event";
        }
        if (!prev.equals(n.path("prev").asText(null))) {
            return "chain broken: 'prev' does not match the previous event's hash "
                    + "(an event was removed, inserted or reordered before this one)";
        }
        String hash = n.get("hash").asText();
        // the bytes as written, else the content re-encoded (as the file store's verify judges a line)
        if (!hash.equals(EventText.verifiedHash(line, prev)) && !hash.equals(AuditCodec.recompute(n))) {
            return "content altered: the hash does not match the event";
        }
        if (!hash.equals(rs.getString(5)) || !rs.getString(2).equals(n.path("run_id").asText())
                || rs.getLong(3) != n.path("seq").asLong() || !rs.getString(4).equals(n.path("type").asText())) {
            return "row altered: its columns (run_id, seq, type, hash) disagree with its event";
        }
        return null;
    }

    /** Null when the chain ends at the head; else what the difference means. */
    private String headProblem(long pos, String prev) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT pos, hash FROM " + s.table("audit_head") + " WHERE id = 1");
             ResultSet rs = q.executeQuery()) {
            if (!rs.next()) {
                return "the chain head row is missing";
            }
            long headPos = rs.getLong(1);
            if (headPos > pos) {
                return "the newest events were removed: the chain head is at position " + headPos
                        + " but the last event is at position " + pos;
            }
            if (headPos != pos || !rs.getString(2).equals(prev)) {
                return "the chain head (position " + headPos + ") does not match the last event (position " + pos + ")";
            }
            return null;
        }
    }
}
