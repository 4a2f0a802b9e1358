package dev.runbook.audit.pg;

import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drops the monthly partitions older than a number of months, in one transaction with the chain
 * head locked: records a checkpoint (the position and hash of the last dropped event, where
 * verification of what remains starts), drops the partitions, and chains an
 * {@code audit.retention} event saying who dropped what, so the cut is itself on the record.
 */
public final class Retention {

    /**
     * What a retention did (or, in a dry run, would do).
     *
     * @param cutBefore  events recorded before this instant are dropped
     * @param partitions the partitions dropped, oldest first
     * @param events     events dropped
     * @param checkpoint the position verification now starts after; 0 when nothing was cut
     */
    public record Result(String cutBefore, List<String> partitions, long events, long checkpoint, boolean dryRun) {}

    private Retention() {}

    /** @param keepMonths the current month and this many before it are kept */
    static Result run(Connection c, PgSettings s, int keepMonths, boolean dryRun, AuditEvent.Actor by) throws SQLException {
        AuditSchema.prepare(c, s);
        TableOwner owner = AuditSchema.migrate(c, s);
        c.setAutoCommit(false);
        try {
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT pos FROM " + s.table("audit_head") + " WHERE id = 1 FOR UPDATE").close();
            }
            YearMonth keepFrom = YearMonth.from(AuditSchema.dbNow(c)).minusMonths(keepMonths);
            OffsetDateTime cut = keepFrom.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC);
            List<String> drop = new ArrayList<>();
            for (YearMonth m : AuditSchema.existing(c, s)) {
                if (m.isBefore(keepFrom)) {
                    drop.add(AuditSchema.partitionName(m));
                }
            }
            long events = count(c, s, cut);
            long[] last = lastBefore(c, s, cut);
            String hash = last == null ? null : hashAt(c, s, last[0]);
            checkNoHole(c, s, cut, last == null ? 0 : last[0]);
            if (dryRun || drop.isEmpty()) {
                c.rollback();
                return new Result(cut.toString(), drop, events, last == null ? 0 : last[0], dryRun);
            }
            owner.require("runbook audit retention drops partitions");
            if (last != null) {
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + s.table("audit_checkpoints")
                        + " (pos, hash, cut_before, partitions, events, created_by) VALUES (?, ?, ?, ?, ?, ?)")) {
                    ins.setLong(1, last[0]);
                    ins.setString(2, hash);
                    ins.setObject(3, cut);
                    ins.setArray(4, c.createArrayOf("text", drop.toArray()));
                    ins.setLong(5, events);
                    ins.setString(6, by.user());
                    ins.executeUpdate();
                }
            }
            try (Statement st = c.createStatement()) {
                for (String p : drop) {
                    st.execute("DROP TABLE " + s.table(p));
                }
            }
            record(c, s, by, cut, drop, events, last == null ? 0 : last[0], hash);
            c.commit();
            return new Result(cut.toString(), drop, events, last == null ? 0 : last[0], false);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            AuditSchema.forget(s);
        }
    }

    private static long count(Connection c, PgSettings s, OffsetDateTime cut) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT count(*) FROM " + s.table("audit_events") + " WHERE recorded_at < ?")) {
            q.setObject(1, cut);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** {pos} of the newest event recorded before the cut, or null. */
    private static long[] lastBefore(Connection c, PgSettings s, OffsetDateTime cut) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT max(pos) FROM " + s.table("audit_events") + " WHERE recorded_at < ?")) {
            q.setObject(1, cut);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                long pos = rs.getLong(1);
                return rs.wasNull() ? null : new long[] {pos};
            }
        }
    }

    private static String hashAt(Connection c, PgSettings s, long pos) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT hash FROM " + s.table("audit_events") + " WHERE pos = ?")) {
            q.setLong(1, pos);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** Positions kept must all follow the checkpoint, or verification of what remains would fail. */
    private static void checkNoHole(Connection c, PgSettings s, OffsetDateTime cut, long checkpoint) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT min(pos) FROM " + s.table("audit_events") + " WHERE recorded_at >= ?")) {
            q.setObject(1, cut);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                long first = rs.getLong(1);
                if (!rs.wasNull() && first <= checkpoint) {
                    throw new AuditException("retention refused: event position " + first + " is kept but recorded before"
                            + " position " + checkpoint + ", which would be dropped; the chain would have a hole");
                }
            }
        }
    }

    private static void record(Connection c, PgSettings s, AuditEvent.Actor by, OffsetDateTime cut, List<String> drop,
                               long events, long checkpoint, String hash) throws SQLException {
        long seq;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pos FROM " + s.table("audit_head"))) {
            rs.next();
            seq = rs.getLong(1) + 1;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cut_before", cut.toString());
        data.put("partitions", drop);
        data.put("events", events);
        data.put("checkpoint", checkpoint == 0 ? null : Map.of("pos", checkpoint, "hash", hash));
        AuditEvent e = new AuditEvent(AuditEvent.VERSION, "-", seq, Instant.now().toString(), "audit.retention", null, null,
                null, by, data, null, null);
        new ChainWriter(c, s).write(List.of(Unchained.of(e)), false);
    }
}
