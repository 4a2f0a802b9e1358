package dev.runbook.exec.sql;

import java.sql.SQLException;
import java.util.List;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Server errors in one line, as psql shows them but with the SQLSTATE a rule can test:
 * {@code ERROR 42P01: relation "nope" does not exist (at character 15)}. The position is given in
 * the step's statement as the user sees it rendered (with {@code ?} where a template was), not in
 * the text the driver sent ({@code $1}).
 */
final class SqlErrors {
    private SqlErrors() {}

    static String sqlState(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }

    /** Whether the connection is gone after this error, so that the next step must open a new one. */
    static boolean connectionLost(SQLException e) {
        String state = sqlState(e);
        return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
    }

    /**
     * @param statement the statement that failed, or null when the error is not about one
     * @param stepText  the step's whole SQL, for the line and column of the position
     * @param prepared  whether the statement was sent with its {@code ?} rewritten to {@code $n}
     */
    static String describe(SQLException e, SqlScript.Statement statement, String stepText, boolean prepared) {
        ServerErrorMessage server = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        if (server == null) {
            Throwable cause = e.getCause();
            String causeText = cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")";
            return "ERROR " + (e.getSQLState() == null ? "" : e.getSQLState() + ": ") + firstLine(e.getMessage()) + causeText;
        }
        StringBuilder b = new StringBuilder();
        b.append(server.getSeverity() == null ? "ERROR" : server.getSeverity()).append(' ')
                .append(server.getSQLState()).append(": ").append(firstLine(server.getMessage()));
        if (server.getPosition() > 0 && statement != null) {
            int at = statement.offset() + originalOffset(statement, server.getPosition() - 1, prepared);
            b.append(" (").append(where(stepText, at)).append(')');
        } else if (server.getWhere() != null) {
            b.append(" (").append(firstLine(server.getWhere())).append(')');
        }
        if (server.getDetail() != null) {
            b.append("; ").append(firstLine(server.getDetail()));
        }
        if (server.getHint() != null) {
            b.append("; hint: ").append(firstLine(server.getHint()));
        }
        return b.toString();
    }

    /** The offset in the statement's own text of a 0-based offset in the text sent, where ? became $1, $2... */
    static int originalOffset(SqlScript.Statement statement, int sentOffset, boolean prepared) {
        if (!prepared) {
            return Math.min(sentOffset, statement.text().length());
        }
        List<Integer> marks = statement.placeholders();
        int sent = 0;
        int k = 0;
        for (int orig = 0; orig < statement.text().length(); orig++) {
            int width = k < marks.size() && marks.get(k) == orig ? 1 + String.valueOf(++k).length() : 1;
            if (sentOffset < sent + width) {
                return orig;
            }
            sent += width;
        }
        return statement.text().length();
    }

    /** {@code at character 15} on one line, {@code at line 3, column 8} in a multi-line statement. */
    static String where(String text, int offset) {
        if (text.indexOf('\n') < 0) {
            return "at character " + (offset + 1);
        }
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "at line " + line + ", column " + (offset - lineStart + 1);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.strip().lines().findFirst().orElse("");
    }
}
