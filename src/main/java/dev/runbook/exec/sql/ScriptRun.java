package dev.runbook.exec.sql;

import dev.runbook.engine.StepResult;
import dev.runbook.exec.Cancellation;
import dev.runbook.load.Durations;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One step's statements on a session, in order. With {@code transaction}, consecutive statements that
 * may share a transaction run in one that rolls back on error; a statement PostgreSQL refuses inside a
 * transaction block (VACUUM, REINDEX DATABASE...) commits what precedes it and runs on its own. A step
 * that says BEGIN or COMMIT itself runs as written, in autocommit. Every statement gets the step's
 * timeout as {@code statement_timeout}, so the server stops it.
 */
final class ScriptRun {
    private static final int MAX_NOTICES = 100;
    private static final long NETWORK_GRACE_MS = 15_000;

    private record Group(List<SqlScript.Statement> statements, boolean transaction) {}

    private record Executed(Rows.Page page, long rowCount) {}

    private final Session session;
    private final String text;
    private final SqlScript script;
    private final List<Object> binds;
    private final Duration timeout;
    private final int rowLimit;
    private final List<String> notices = new ArrayList<>();
    private boolean sent;

    ScriptRun(Session session, String text, SqlScript script, List<Object> binds, Duration timeout, int rowLimit) {
        this.session = session;
        this.text = text;
        this.script = script;
        this.binds = binds;
        this.timeout = timeout;
        this.rowLimit = rowLimit;
    }

    /**
     * Whether the connection turned out to be gone before any of the step's statements was sent (the
     * server restarted, or terminated it, since the last step): the step may run again on a new one.
     */
    boolean failedOnStaleConnection() {
        return !sent && session.lost();
    }

    StepResult run(boolean transaction, Cancellation cancel, long startNanos) {
        List<Group> groups = groups(transaction);
        int count = script.statements().size();
        int index = 0;
        int bindAt = 0;
        Executed last = null;
        for (Group g : groups) {
            int first = index + 1;
            try {
                session.connection().setAutoCommit(!g.transaction());
                for (SqlScript.Statement st : g.statements()) {
                    index++;
                    if (cancel.isCancelled()) {
                        return cancelled(cancel, g, startNanos);
                    }
                    int n = binds.isEmpty() ? 0 : st.placeholders().size();
                    last = execute(st, binds.subList(bindAt, bindAt + n));
                    bindAt += n;
                }
                if (g.transaction()) {
                    // interrupted after its last statement: the transaction is still ours to undo
                    if (cancel.isCancelled()) {
                        return cancelled(cancel, g, startNanos);
                    }
                    session.connection().commit();
                    session.connection().setAutoCommit(true);
                }
            } catch (SQLException e) {
                return failed(e, g, first, index, count, cancel, startNanos);
            }
        }
        try {
            if (session.inTransaction()) {
                session.rollbackQuietly();
                return StepResult.failed("the statements left a transaction open (BEGIN without COMMIT): it was rolled back",
                        fields(last), ms(startNanos));
            }
        } catch (SQLException e) {
            return failed(e, null, index, index, count, cancel, startNanos);
        }
        return StepResult.ok(fields(last), ms(startNanos));
    }

    private List<Group> groups(boolean transaction) {
        List<Group> out = new ArrayList<>();
        if (!transaction || script.hasTransactionControl()) {
            script.statements().forEach(s -> out.add(new Group(List.of(s), false)));
            return out;
        }
        List<SqlScript.Statement> pending = new ArrayList<>();
        for (SqlScript.Statement s : script.statements()) {
            if (s.kind() == SqlScript.Kind.TRANSACTIONAL) {
                pending.add(s);
                continue;
            }
            if (!pending.isEmpty()) {
                out.add(new Group(List.copyOf(pending), true));
                pending.clear();
            }
            out.add(new Group(List.of(s), false));
        }
        if (!pending.isEmpty()) {
            out.add(new Group(List.copyOf(pending), true));
        }
        return out;
    }

    private Executed execute(SqlScript.Statement st, List<Object> values) throws SQLException {
        applyTimeout();
        // with templates, every statement goes through the driver's placeholder parsing, so ?? means ? in all of them
        boolean prepared = !binds.isEmpty();
        try (Statement s = prepared ? session.connection().prepareStatement(st.text()) : session.connection().createStatement()) {
            session.running(s);
            sent = true;
            s.setMaxRows(rowLimit + 1);
            boolean isResult;
            if (prepared) {
                PreparedStatement ps = (PreparedStatement) s;
                for (int i = 0; i < values.size(); i++) {
                    bind(ps, i + 1, values.get(i));
                }
                isResult = ps.execute();
            } else {
                s.setEscapeProcessing(false);
                isResult = s.execute(st.text());
            }
            Rows.Page page = null;
            long rowCount = 0;
            while (true) {
                if (isResult) {
                    try (var rs = s.getResultSet()) {
                        page = Rows.read(rs, rowLimit);
                        rowCount = page.rows().size();
                    }
                } else {
                    int updated = s.getUpdateCount();
                    if (updated == -1) {
                        break;
                    }
                    rowCount = updated;
                }
                isResult = s.getMoreResults();
            }
            collectNotices(s.getWarnings());
            return new Executed(page, rowCount);
        } catch (SQLException e) {
            throw new StatementFailure(e, st, prepared);
        } finally {
            session.running(null);
        }
    }

    /** Carries which statement failed and how it was sent, for the position in the message. */
    private static final class StatementFailure extends SQLException {
        private static final long serialVersionUID = 1L;
        final transient SqlScript.Statement statement;
        final boolean prepared;

        StatementFailure(SQLException e, SqlScript.Statement statement, boolean prepared) {
            super(e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
            this.statement = statement;
            this.prepared = prepared;
        }
    }

    private void applyTimeout() throws SQLException {
        try (Statement s = session.connection().createStatement()) {
            s.execute(timeout == null ? "RESET statement_timeout" : "SET statement_timeout = " + Math.max(1, timeout.toMillis()));
        }
        // the socket waits longer than the server does, so a slow statement ends by statement_timeout, a dead peer by this
        long network = timeout == null ? 0 : Math.min(Integer.MAX_VALUE, timeout.toMillis() + NETWORK_GRACE_MS);
        session.connection().setNetworkTimeout(Runnable::run, (int) network);
    }

    static void bind(PreparedStatement ps, int i, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.NULL);
        } else if (v instanceof Boolean b) {
            ps.setBoolean(i, b);
        } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            ps.setInt(i, ((Number) v).intValue());
        } else if (v instanceof Long l) {
            // int4 where it fits: functions such as repeat(text, int) have no bigint form
            if (l == l.intValue()) {
                ps.setInt(i, l.intValue());
            } else {
                ps.setLong(i, l);
            }
        } else if (v instanceof Double || v instanceof Float) {
            ps.setDouble(i, ((Number) v).doubleValue());
        } else if (v instanceof BigDecimal d) {
            ps.setBigDecimal(i, d);
        } else if (v instanceof BigInteger b) {
            ps.setBigDecimal(i, new BigDecimal(b));
        } else {
            ps.setString(i, String.valueOf(v));
        }
    }

    private void collectNotices(SQLWarning w) {
        for (SQLWarning x = w; x != null && notices.size() < MAX_NOTICES; x = x.getNextWarning()) {
            notices.add(x.getMessage());
        }
    }

    private Map<String, Object> fields(Executed last) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("database", session.settings().name());
        f.put("backend_pid", (long) session.backendPid());
        f.put("columns", last == null || last.page() == null ? List.of() : last.page().columns());
        f.put("rows", last == null || last.page() == null ? List.of() : last.page().rows());
        f.put("row_count", last == null ? 0L : last.rowCount());
        f.put("truncated", last != null && last.page() != null && last.page().truncated());
        f.put("notices", List.copyOf(notices));
        return f;
    }

    private StepResult failed(SQLException e, Group g, int first, int index, int count, Cancellation cancel, long startNanos) {
        session.rollbackQuietly();
        if (SqlErrors.connectionLost(e)) {
            session.markLost();
        }
        if (cancel.isCancelled()) {
            return cancelled(cancel, g, startNanos);
        }
        SqlScript.Statement st = e instanceof StatementFailure f ? f.statement : null;
        boolean prepared = e instanceof StatementFailure f && f.prepared;
        SQLException cause = e instanceof StatementFailure && e.getCause() instanceof SQLException c ? c : e;
        Map<String, Object> fields = fields(null);
        fields.put("sqlstate", SqlErrors.sqlState(cause));
        String where = count > 1 ? "statement " + index + " of " + count + ": " : "";
        String undone = g == null || !g.transaction() || index == first ? ""
                : index - 1 == first ? "; rolled back statement " + first + " of its transaction"
                : "; rolled back statements " + first + "-" + (index - 1) + " of its transaction";
        if (SqlErrors.sqlState(cause).equals("57014") && timeout != null) {
            return StepResult.of(StepResult.Outcome.TIMED_OUT, session.mask(where + "timed out after " + Durations.format(timeout)
                    + " (statement_timeout): the server cancelled it" + undone), fields, ms(startNanos));
        }
        String message = where + SqlErrors.describe(cause, st, text, prepared) + undone;
        return StepResult.failed(session.mask(message), fields, ms(startNanos));
    }

    private StepResult cancelled(Cancellation cancel, Group g, long startNanos) {
        session.rollbackQuietly();
        String undone = g != null && g.transaction() ? "; its transaction was rolled back" : "";
        return StepResult.of(StepResult.Outcome.CANCELLED, "interrupted (" + cancel.reason() + "): the statement was cancelled"
                + undone, fields(null), ms(startNanos));
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
