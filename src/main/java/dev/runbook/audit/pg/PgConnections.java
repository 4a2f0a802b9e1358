package dev.runbook.audit.pg;

import dev.runbook.audit.AuditException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens connections, and turns what goes wrong into one line a person can act on: a refused
 * password, an unknown host, a server that does not answer. Never the password, never a trace.
 */
public final class PgConnections {
    /** Bounds every statement's wait for an answer on the connections that write events. */
    static final int WRITE_SOCKET_TIMEOUT_S = 15;
    static final int READ_SOCKET_TIMEOUT_S = 300;

    private PgConnections() {}

    /**
     * @param socketTimeoutSeconds 0 for none (a lock connection idles for a whole run)
     * @throws SQLException when PostgreSQL cannot be reached or refuses the login
     */
    static Connection open(PgSettings s, String purpose, int socketTimeoutSeconds) throws SQLException {
        Properties p = new Properties();
        if (s.user() != null) {
            p.setProperty("user", s.user());
        }
        String password = s.password() == null ? null : s.password().get();
        if (password != null) {
            p.setProperty("password", password);
        }
        int connect = (int) Math.max(1, Math.ceil(s.connectTimeout().toMillis() / 1000.0));
        p.setProperty("connectTimeout", String.valueOf(connect));
        p.setProperty("loginTimeout", String.valueOf(connect * 2));
        p.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "runbook " + purpose);
        p.setProperty("reWriteBatchedInserts", "true");
        p.setProperty("gssEncMode", "disable");
        p.setProperty("assumeMinServerVersion", "12");
        // a commit is what makes an audit event durable: never let a server default of
        // synchronous_commit=off acknowledge one that a crash can still take back
        p.setProperty("options", "-c synchronous_commit=on");
        return DriverManager.getConnection(s.url(), p);
    }

    /** The failure as an {@link AuditException} with a one-line message. */
    public static AuditException failure(Throwable e, PgSettings s) {
        return new AuditException(describe(e, s), e);
    }

    /** One line: what went wrong with PostgreSQL at {@code host:port/db}. */
    public static String describe(Throwable e, PgSettings s) {
        String where = "PostgreSQL at " + s.where();
        String state = e instanceof SQLException sql ? String.valueOf(sql.getSQLState()) : "";
        String user = s.user() == null ? System.getProperty("user.name") : s.user();
        switch (state) {
            case "28P01":
                return where + " refused the password of user '" + user + "'";
            case "28000":
                return where + " refused user '" + user + "': " + firstLine(e.getMessage());
            case "3D000":
                return where + " has no database '" + s.database() + "'";
            case "57P01", "57P02", "57P03":
                return where + " is shutting down or starting up: " + firstLine(e.getMessage());
            default:
                break;
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof NoRouteToHostException) {
                return "cannot reach " + where + ": " + (c instanceof ConnectException ? "connection refused" : "no route to host");
            }
            if (c instanceof UnknownHostException) {
                return "cannot reach " + where + ": unknown host";
            }
            if (c instanceof SocketTimeoutException) {
                return "cannot reach " + where + ": no answer in time";
            }
        }
        if (state.startsWith("08")) {
            return "lost the connection to " + where + ": " + firstLine(e.getMessage());
        }
        return where + ": " + firstLine(e.getMessage());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        String line = message.lines().findFirst().orElse(message).strip();
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing a connection that failed: the first error is the one that matters
            }
        }
    }
}
