package dev.runbook.schedule;

import dev.runbook.audit.pg.PgConnections;
import dev.runbook.audit.pg.PgSettings;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * The daemon's own connection to the PostgreSQL of the clustered store, apart from Quartz's pool:
 * it creates the tables, checks every few seconds that the store answers, and holds the cluster's
 * lock while a node decides whether it fires. Reopened after a failure; bounded waits throughout,
 * so a silent server costs a tick, never a hung daemon.
 */
final class StoreConnection implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final int SOCKET_TIMEOUT_S = 30;

    private final Daemon.Jdbc jdbc;
    private final String node;
    private Connection connection;

    StoreConnection(Daemon.Jdbc jdbc, String node) {
        this.jdbc = jdbc;
        this.node = node;
    }

    /** The open connection, opened when needed. */
    synchronized Connection get() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = open(jdbc, "runbook daemon " + node, SOCKET_TIMEOUT_S);
        }
        return connection;
    }

    /**
     * Why the store cannot be used, in one line.
     *
     * @param passing whether it may mend by itself (see {@link #passing(Throwable)})
     */
    record Problem(String message, boolean passing) {}

    /** Null when PostgreSQL answers; else the problem. The connection is dropped on failure. */
    synchronized Problem check() {
        try (Statement st = get().createStatement()) {
            st.execute("SELECT 1");
            return null;
        } catch (SQLException e) {
            close();
            return problem(e);
        }
    }

    Problem problem(Throwable e) {
        return new Problem(describe(e), passing(e));
    }

    static Connection open(Daemon.Jdbc jdbc, String application, int socketTimeoutSeconds) throws SQLException {
        return DriverManager.getConnection(jdbc.url(), properties(jdbc, application, socketTimeoutSeconds));
    }

    static Properties properties(Daemon.Jdbc jdbc, String application, int socketTimeoutSeconds) {
        Properties p = new Properties();
        if (jdbc.user() != null) {
            p.setProperty("user", jdbc.user());
        }
        if (jdbc.password() != null) {
            p.setProperty("password", jdbc.password());
        }
        p.setProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT.toSeconds()));
        p.setProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT.toSeconds() * 2));
        p.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", application);
        return p;
    }

    /** What went wrong, as a run says it: which server, which user, and what failed. */
    String describe(Throwable e) {
        return describe(jdbc, e);
    }

    static String describe(Daemon.Jdbc jdbc, Throwable e) {
        PgSettings s = new PgSettings(jdbc.url(), jdbc.user(), jdbc::password, "public", CONNECT_TIMEOUT);
        String line = PgConnections.describe(e, s);
        return line.contains("user '") || jdbc.user() == null ? line : line + " (user " + jdbc.user() + ")";
    }

    /**
     * A failure that may mend by itself (the server is down, restarting or out of reach), as
     * opposed to one a person must fix (a refused password, a missing database or privilege).
     */
    static boolean passing(Throwable e) {
        String state = e instanceof SQLException sql && sql.getSQLState() != null ? sql.getSQLState() : "";
        if (state.startsWith("08") || state.startsWith("57P")) {
            return true;
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof NoRouteToHostException || c instanceof SocketTimeoutException
                    || c instanceof UnknownHostException || c instanceof EOFException || c instanceof SocketException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // a connection that failed: the failure is what was reported
            }
            connection = null;
        }
    }
}
