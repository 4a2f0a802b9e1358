package dev.runbook.exec.sql;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * One open connection to a named database, kept for the whole run, and what can be done to it from
 * another thread while a statement runs: cancel the statement on the server, and when the server does
 * not stop it in time, cut the connection.
 */
final class Session implements AutoCloseable {
    static final String APPLICATION_NAME = "runbook";
    private static final long CANCEL_GRACE_MS = 5_000;

    private final ConnectionSettings settings;
    private final Connection conn;
    private final int backendPid;
    private final String password;
    private volatile Statement running;
    private volatile boolean busy;
    private volatile long generation;
    private volatile boolean lost;

    private Session(ConnectionSettings settings, Connection conn, int backendPid, String password) {
        this.settings = settings;
        this.conn = conn;
        this.backendPid = backendPid;
        this.password = password;
    }

    /** @throws ConnectionProblem with a one-line reason; never the password */
    static Session open(ConnectionSettings s, Map<String, String> env) throws ConnectionProblem {
        String password = s.readPassword(env);
        long ms = Math.max(1, s.connectTimeout().toMillis());
        String seconds = String.valueOf(Math.max(1, (ms + 999) / 1000));
        Properties p = new Properties();
        if (s.user() != null) {
            p.setProperty("user", s.user());
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", seconds);
        p.setProperty("loginTimeout", String.valueOf(ms / 1000.0));
        p.setProperty("socketTimeout", seconds);
        p.setProperty("tcpKeepAlive", "true");
        // a runbook that terminates idle connections of its database excludes its own by this name
        p.setProperty("ApplicationName", APPLICATION_NAME);
        // a rendered template is text: let the server type it from where it stands (id = ?, interval ?)
        p.setProperty("stringtype", "unspecified");
        // no server-side prepared statements: DDL between steps would invalidate their plans
        p.setProperty("prepareThreshold", "0");
        try {
            Connection c = new Driver().connect(s.url(), p);
            if (c == null) {
                throw ConnectionProblem.invalid("database '" + s.name() + "': not a PostgreSQL JDBC url");
            }
            c.setNetworkTimeout(Runnable::run, 0);
            return new Session(s, c, c.unwrap(PGConnection.class).getBackendPID(), password);
        } catch (SQLException e) {
            String message = mask("cannot connect to database '" + s.name() + "' (" + s.display() + "): "
                    + reason(e, s.connectTimeout()), password);
            String state = SqlErrors.sqlState(e);
            boolean unreachable = state.startsWith("08") || state.equals("57P03") || state.equals("53300");
            throw unreachable ? ConnectionProblem.unreachable(message) : ConnectionProblem.invalid(message);
        }
    }

    private static String reason(SQLException e, Duration timeout) {
        Throwable cause = e.getCause();
        if (cause instanceof ConnectException) {
            return "connection refused";
        } else if (cause instanceof SocketTimeoutException || "Connection attempt timed out.".equals(e.getMessage())) {
            return "no answer within " + dev.runbook.load.Durations.format(timeout) + " (connect_timeout)";
        } else if (cause instanceof UnknownHostException) {
            return "unknown host " + cause.getMessage();
        } else if (cause instanceof NoRouteToHostException) {
            return "no route to host";
        }
        return SqlErrors.describe(e, null, "", false);
    }

    ConnectionSettings settings() {
        return settings;
    }

    Connection connection() {
        return conn;
    }

    int backendPid() {
        return backendPid;
    }

    /** Whether the connection broke (server restarted, network, cut after a cancel): open a new one. */
    boolean lost() {
        try {
            return lost || conn.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    void markLost() {
        lost = true;
    }

    String mask(String text) {
        return mask(text, password);
    }

    private static String mask(String text, String password) {
        return password == null || password.isEmpty() || text == null ? text : text.replace(password, "****");
    }

    /** Brackets a step's statements: what {@link #interrupt()} may act on. */
    void begin() {
        generation++;
        busy = true;
    }

    void end() {
        busy = false;
        running = null;
    }

    void running(Statement s) {
        running = s;
    }

    /**
     * Called on cancellation, from the cancelling thread: cancels the running statement on the server
     * (a CancelRequest on a second connection) and, when the step still runs after a grace period, cuts
     * this connection so that the step returns. Returns at once; the work happens on its own thread.
     */
    void interrupt() {
        long gen = generation;
        Thread t = new Thread(() -> {
            try {
                Statement s = running;
                if (s != null) {
                    s.cancel();
                }
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CANCEL_GRACE_MS);
                while (System.nanoTime() < end) {
                    Thread.sleep(250);
                    if (!busy || generation != gen) {
                        return;
                    }
                    // the first request can arrive before the statement does, and the server then ignores it
                    conn.unwrap(PGConnection.class).cancelQuery();
                }
                if (busy && generation == gen) {
                    lost = true;
                    conn.abort(Runnable::run);
                }
            } catch (SQLException | InterruptedException e) {
                // nothing more to do: the step ends by its own timeout
            }
        }, "runbook-sql-cancel");
        t.setDaemon(true);
        t.start();
    }

    /** Whether the server has a transaction open on this connection (a step's BEGIN without COMMIT, or an error in one). */
    boolean inTransaction() throws SQLException {
        return conn.unwrap(BaseConnection.class).getTransactionState() != TransactionState.IDLE;
    }

    /** Ends whatever transaction is open, so the next step starts clean. */
    void rollbackQuietly() {
        if (lost()) {
            return;
        }
        try {
            if (!conn.getAutoCommit()) {
                conn.rollback();
                conn.setAutoCommit(true);
            } else if (inTransaction()) {
                try (Statement s = conn.createStatement()) {
                    s.execute("ROLLBACK");
                }
            }
        } catch (SQLException e) {
            lost = true;
        }
    }

    @Override
    public void close() {
        try {
            if (busy) {
                conn.abort(Runnable::run);
            } else {
                conn.close();
            }
        } catch (SQLException e) {
            // closing at the end of a run: nothing a user could act on
        }
    }
}
