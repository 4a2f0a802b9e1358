package dev.runbook.audit.pg;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.audit.AuditCodec;
import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditReader;
import dev.runbook.audit.ChainReport;
import dev.runbook.audit.History;
import java.io.IOException;
import java.io.Writer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the audit trail back from PostgreSQL. Never changes the schema: a user who may only read
 * can run {@code history}, {@code show}, {@code audit verify} and {@code audit export}; before the
 * first run has created the tables there is simply nothing recorded.
 */
public final class PgAuditReader implements AuditReader {
    private static final int FETCH = 2000;
    private final PgSettings s;
    private Connection c;

    /** Where a retention cut the chain: verification starts after {@code pos}, linking to {@code hash}. */
    public record Checkpoint(long pos, String hash, String cutBefore) {}

    public PgAuditReader(PgSettings settings) {
        this.s = settings;
    }

    private interface Query<T> {
        T run(Connection c) throws SQLException, IOException;
    }

    private <T> T query(T whenNoTables, Query<T> q) throws IOException {
        try {
            if (c == null) {
                c = PgConnections.open(s, "reader", PgConnections.READ_SOCKET_TIMEOUT_S);
                // one snapshot per question: a verify sees a prefix of the chain, however many write meanwhile
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                c.setReadOnly(true);
                c.setAutoCommit(false);
            }
            try {
                return tablesExist() ? q.run(c) : whenNoTables;
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            PgConnections.closeQuietly(c);
            c = null;
            throw PgConnections.failure(e, s);
        }
    }

    private <T> T read(T whenNoTables, Query<T> q) {
        try {
            return query(whenNoTables, q);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private boolean tablesExist() throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            q.setString(1, s.table("audit_events"));
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    @Override
    public List<History.Run> runs(String runbook, int limit) {
        return read(List.of(), con -> {
            List<AuditEvent> starts = lines(con, "SELECT line FROM " + s.table("audit_events") + " WHERE type = 'run.started'"
                    + (runbook == null ? "" : " AND runbook = ?") + " ORDER BY ts DESC, run_id DESC LIMIT ?", runbook, limit);
            List<String> ids = starts.stream().map(AuditEvent::runId).toList();
            List<AuditEvent> events = new ArrayList<>();
            if (!ids.isEmpty()) {
                try (PreparedStatement q = con.prepareStatement("SELECT DISTINCT ON (run_id) line FROM " + s.table("audit_events")
                        + " WHERE run_id = ANY(?) ORDER BY run_id, seq DESC")) {
                    q.setArray(1, con.createArrayOf("text", ids.toArray()));
                    List<AuditEvent> lasts = decode(q);
                    for (AuditEvent start : starts) {
                        events.add(start);
                        lasts.stream().filter(l -> l.runId().equals(start.runId()) && l.seq() != start.seq())
                                .findFirst().ifPresent(events::add);
                    }
                }
            }
            return History.of(events).runs(null, limit);
        });
    }

    @Override
    public List<AuditEvent> run(String runId) {
        return read(List.of(), con -> {
            String id = runId;
            if ("last".equals(runId)) {
                List<String> last = strings(con, "SELECT run_id FROM " + s.table("audit_events")
                        + " WHERE type = 'run.started' ORDER BY ts DESC, run_id DESC LIMIT 1", null);
                if (last.isEmpty()) {
                    return List.of();
                }
                id = last.get(0);
            }
            String sql = "SELECT line FROM " + s.table("audit_events") + " WHERE run_id = ? ORDER BY seq";
            List<AuditEvent> exact = lines(con, sql, id, null);
            if (!exact.isEmpty() || "last".equals(runId)) {
                return exact;
            }
            String like = id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            List<String> matching = strings(con, "SELECT DISTINCT run_id FROM " + s.table("audit_events")
                    + " WHERE run_id LIKE ? LIMIT 2", like);
            return matching.size() == 1 ? lines(con, sql, matching.get(0), null) : List.of();
        });
    }

    @Override
    public List<String> runIds(String prefix, int limit) {
        String like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        return read(List.of(), con -> strings(con, "SELECT DISTINCT run_id FROM " + s.table("audit_events")
                + " WHERE run_id LIKE ? AND run_id <> '-' ORDER BY run_id LIMIT " + Math.max(0, limit), like));
    }

    /** The newest retention checkpoint, if a retention ever dropped events. */
    public Optional<Checkpoint> checkpoint() {
        return read(Optional.empty(), con -> checkpoint(con, s));
    }

    static Optional<Checkpoint> checkpoint(Connection con, PgSettings s) throws SQLException {
        try (PreparedStatement q = con.prepareStatement("SELECT pos, hash, cut_before FROM " + s.table("audit_checkpoints")
                + " ORDER BY pos DESC LIMIT 1"); ResultSet rs = q.executeQuery()) {
            return rs.next() ? Optional.of(new Checkpoint(rs.getLong(1), rs.getString(2),
                    rs.getObject(3, java.time.OffsetDateTime.class).toString())) : Optional.empty();
        }
    }

    @Override
    public ChainReport verify(String expectHead) {
        return read(new ChainReport(0, "genesis", null, null, List.of()),
                con -> new ChainCheck(con, s, checkpoint(con, s), expectHead).run());
    }

    @Override
    public long export(String runId, Writer out) throws IOException {
        return query(0L, con -> {
            try (PreparedStatement q = con.prepareStatement("SELECT line FROM " + s.table("audit_events")
                    + (runId == null ? "" : " WHERE run_id = ?") + " ORDER BY pos")) {
                q.setFetchSize(FETCH);
                if (runId != null) {
                    q.setString(1, runId);
                }
                long n = 0;
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        out.write(rs.getString(1));
                        out.write('\n');
                        n++;
                    }
                }
                return n;
            }
        });
    }

    private static List<AuditEvent> lines(Connection con, String sql, String param, Integer limit) throws SQLException {
        try (PreparedStatement q = con.prepareStatement(sql)) {
            int i = 1;
            if (param != null) {
                q.setString(i++, param);
            }
            if (limit != null) {
                q.setInt(i, limit);
            }
            return decode(q);
        }
    }

    private static List<AuditEvent> decode(PreparedStatement q) throws SQLException {
        List<AuditEvent> out = new ArrayList<>();
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                ObjectNode n = AuditCodec.parse(rs.getString(1));
                if (n != null) {
                    out.add(AuditCodec.decode(n));
                }
            }
        }
        return out;
    }

    private static List<String> strings(Connection con, String sql, String param) throws SQLException {
        try (PreparedStatement q = con.prepareStatement(sql)) {
            if (param != null) {
                q.setString(1, param);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    @Override
    public String describe() {
        return "postgres " + s.where() + " (schema " + s.schema() + ")";
    }

    @Override
    public void close() {
        PgConnections.closeQuietly(c);
        c = null;
    }
}
