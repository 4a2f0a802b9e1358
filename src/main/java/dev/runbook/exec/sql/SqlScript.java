package dev.runbook.exec.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A step's SQL split into statements at the semicolons that end them, the way psql splits its input:
 * not inside quotes, dollar quotes, comments, or the {@code BEGIN ... END} body of a
 * {@code CREATE FUNCTION}. Each statement knows its offset in the step's text (so a server error's
 * position can be given in the user's terms), its {@code ?} placeholders, and whether PostgreSQL lets
 * it run inside a transaction block.
 */
record SqlScript(List<Statement> statements) {

    /** How a statement relates to transactions. */
    enum Kind {
        /** Runs anywhere; may share a transaction with its neighbours. */
        TRANSACTIONAL,
        /** PostgreSQL refuses it inside a transaction block (VACUUM, CREATE DATABASE...), or it may commit itself (CALL). */
        OWN_TRANSACTION,
        /** BEGIN, COMMIT, ROLLBACK...: the step manages its transactions itself. */
        TRANSACTION_CONTROL
    }

    /**
     * @param offset       where the statement starts in the step's text (0-based)
     * @param placeholders offsets of its {@code ?} parameters within {@code text}
     */
    record Statement(String text, int offset, List<Integer> placeholders, Kind kind) {}

    private static final Set<String> CONTROL = Set.of("BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT",
            "SAVEPOINT", "RELEASE", "PREPARE");

    SqlScript {
        statements = List.copyOf(statements);
    }

    static SqlScript parse(String sql) {
        List<Statement> out = new ArrayList<>();
        Lexer lx = new Lexer(sql);
        int start = 0;
        while (true) {
            int end = lx.nextStatementEnd();
            String text = sql.substring(start, end);
            if (!lx.words.isEmpty()) {
                int from = start;
                List<Integer> marks = lx.placeholders.stream().map(p -> p - from).toList();
                out.add(new Statement(text, start, marks, classify(lx.words)));
            }
            if (end >= sql.length()) {
                return new SqlScript(out);
            }
            start = end + 1;
            lx.reset(start);
        }
    }

    int placeholderCount() {
        return statements.stream().mapToInt(s -> s.placeholders().size()).sum();
    }

    boolean hasTransactionControl() {
        return statements.stream().anyMatch(s -> s.kind() == Kind.TRANSACTION_CONTROL);
    }

    /** From its first words: PostgreSQL's list of commands that cannot run inside a transaction block. */
    static Kind classify(List<String> words) {
        String first = words.get(0);
        boolean concurrently = words.contains("CONCURRENTLY");
        if (CONTROL.contains(first) && !(first.equals("PREPARE") && !words.contains("TRANSACTION"))) {
            return Kind.TRANSACTION_CONTROL;
        }
        String second = words.size() > 1 ? words.get(1) : "";
        boolean own = switch (first) {
            case "VACUUM", "CALL" -> true;
            case "CLUSTER" -> words.size() == 1 || words.size() == 2 && second.equals("VERBOSE");
            case "REINDEX" -> concurrently || words.contains("DATABASE") || words.contains("SYSTEM");
            case "CREATE" -> second.equals("DATABASE") || second.equals("TABLESPACE")
                    || second.equals("SUBSCRIPTION") || concurrently && words.contains("INDEX");
            case "DROP" -> second.equals("DATABASE") || second.equals("TABLESPACE") || second.equals("SUBSCRIPTION")
                    || concurrently && second.equals("INDEX");
            case "ALTER" -> second.equals("SYSTEM") || second.equals("SUBSCRIPTION")
                    || second.equals("DATABASE") && words.contains("TABLESPACE")
                    || concurrently && words.contains("DETACH");
            case "DISCARD" -> second.equals("ALL");
            default -> false;
        };
        return own ? Kind.OWN_TRANSACTION : Kind.TRANSACTIONAL;
    }

    /** Walks SQL text outside quotes and comments, collecting the words and placeholders of one statement. */
    private static final class Lexer {
        private static final int WORDS = 16;
        private final String s;
        private int i;
        private int depth;
        final List<String> words = new ArrayList<>();
        final List<Integer> placeholders = new ArrayList<>();

        Lexer(String s) {
            this.s = s;
        }

        void reset(int at) {
            i = at;
            depth = 0;
            words.clear();
            placeholders.clear();
        }

        /** The offset of the semicolon ending the statement, or the text's length. */
        int nextStatementEnd() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ';' && depth == 0) {
                    return i;
                } else if (c == '\'') {
                    i = skipString(i, isEscapeString(i));
                } else if (c == '"') {
                    i = skipQuoted(i, '"');
                } else if (c == '-' && at(i + 1) == '-') {
                    int nl = s.indexOf('\n', i);
                    i = nl < 0 ? s.length() : nl + 1;
                } else if (c == '/' && at(i + 1) == '*') {
                    i = skipBlockComment(i);
                } else if (c == '$' && !identChar(at(i - 1)) && dollarTag(i) != null) {
                    i = skipDollar(i, dollarTag(i));
                } else if (c == '?') {
                    // pgjdbc reads ?? as a literal question mark (the jsonb operators), not a parameter
                    if (at(i + 1) == '?') {
                        i += 2;
                        continue;
                    }
                    placeholders.add(i++);
                } else if (Character.isLetter(c) || c == '_') {
                    word();
                } else {
                    i++;
                }
            }
            return s.length();
        }

        private void word() {
            int start = i;
            while (i < s.length() && identChar(s.charAt(i))) {
                i++;
            }
            String w = s.substring(start, i).toUpperCase(Locale.ROOT);
            if (words.size() < WORDS) {
                words.add(w);
            }
            // psql's rule: in CREATE FUNCTION/PROCEDURE, BEGIN ATOMIC ... END may hold semicolons, and CASE ... END nests
            if (createsRoutine()) {
                if (w.equals("BEGIN") || w.equals("CASE")) {
                    depth++;
                } else if (w.equals("END") && depth > 0) {
                    depth--;
                }
            }
        }

        private boolean createsRoutine() {
            if (words.size() < 2 || !words.get(0).equals("CREATE")) {
                return false;
            }
            int k = words.size() >= 4 && words.get(1).equals("OR") && words.get(2).equals("REPLACE") ? 3 : 1;
            return words.size() > k && (words.get(k).equals("FUNCTION") || words.get(k).equals("PROCEDURE"));
        }

        private boolean isEscapeString(int quote) {
            char prev = at(quote - 1);
            return (prev == 'E' || prev == 'e') && !identChar(at(quote - 2));
        }

        private int skipString(int from, boolean backslashes) {
            int j = from + 1;
            while (j < s.length()) {
                char c = s.charAt(j);
                if (backslashes && c == '\\') {
                    j += 2;
                } else if (c == '\'') {
                    if (at(j + 1) == '\'') {
                        j += 2;
                    } else {
                        return j + 1;
                    }
                } else {
                    j++;
                }
            }
            return s.length();
        }

        private int skipQuoted(int from, char quote) {
            int j = from + 1;
            while (j < s.length()) {
                if (s.charAt(j) == quote) {
                    if (at(j + 1) != quote) {
                        return j + 1;
                    }
                    j++;
                }
                j++;
            }
            return s.length();
        }

        private int skipBlockComment(int from) {
            int nesting = 0;
            int j = from;
            while (j < s.length()) {
                if (s.charAt(j) == '/' && at(j + 1) == '*') {
                    nesting++;
                    j += 2;
                } else if (s.charAt(j) == '*' && at(j + 1) == '/') {
                    j += 2;
                    if (--nesting == 0) {
                        return j;
                    }
                } else {
                    j++;
                }
            }
            return s.length();
        }

        /** {@code $tag$} or {@code $$} starting at {@code from}, or null when that is no dollar quote ({@code $1}). */
        private String dollarTag(int from) {
            int j = from + 1;
            while (j < s.length() && s.charAt(j) != '$') {
                char c = s.charAt(j);
                if (!(Character.isLetter(c) || c == '_' || j > from + 1 && Character.isDigit(c))) {
                    return null;
                }
                j++;
            }
            return j < s.length() ? s.substring(from, j + 1) : null;
        }

        private int skipDollar(int from, String tag) {
            int close = s.indexOf(tag, from + tag.length());
            return close < 0 ? s.length() : close + tag.length();
        }

        private char at(int j) {
            return j >= 0 && j < s.length() ? s.charAt(j) : '\0';
        }

        private static boolean identChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '$';
        }
    }
}
