package dev.runbook.exec.sql;

/**
 * Why a step could not get a connection: settings that do not name a usable database, a refused login,
 * or a server that cannot be reached. Its message is one line for the user and never holds a password.
 */
final class ConnectionProblem extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean unreachable;

    private ConnectionProblem(String message, boolean unreachable) {
        super(message, null, false, false);
        this.unreachable = unreachable;
    }

    /** The settings or the login are wrong: retrying will not help. */
    static ConnectionProblem invalid(String message) {
        return new ConnectionProblem(message, false);
    }

    /** The server did not answer (refused, timed out, no route). */
    static ConnectionProblem unreachable(String message) {
        return new ConnectionProblem(message, true);
    }

    boolean unreachable() {
        return unreachable;
    }
}
