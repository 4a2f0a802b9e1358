package dev.runbook.expr;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splices values into POSIX shell text so that each is exactly one literal word, whatever the
 * template author placed around it. A small lexer follows the text up to each splice: quotes,
 * {@code $( )} and backquote substitutions (which start a fresh unquoted context even inside
 * double quotes), comments and here-documents. Places where no quoting can keep a value literal
 * (inside {@code ${...}}, a here-document line that would end the document) are refused.
 */
public final class ShellQuoting {

    /** Where a splice lands. */
    public enum Kind { BARE, SINGLE, DOUBLE, COMMENT, HEREDOC, QUOTED_HEREDOC, PARAM }

    /** The lexer's state after some text: a stack of nested contexts. */
    public static final class State {
        private final Deque<Frame> stack = new ArrayDeque<>();
        private final List<Heredoc> pendingHeredocs = new ArrayList<>();
        private boolean atWordStart = true;
        private String lineSoFar = "";

        private record Frame(char type, int parens) {}

        /** A here-document whose body starts at the next newline. */
        private record Heredoc(String delimiter, boolean quoted, boolean stripTabs) {}

        public State() {
            stack.push(new Frame('B', 0));
        }

        private char top() {
            return stack.peek().type;
        }

        /** The context a value spliced now lands in. */
        public Kind kind() {
            return switch (top()) {
                case '\'' -> Kind.SINGLE;
                case '"' -> Kind.DOUBLE;
                case '#' -> Kind.COMMENT;
                case 'H' -> Kind.HEREDOC;
                case 'Q' -> Kind.QUOTED_HEREDOC;
                case '{' -> Kind.PARAM;
                default -> Kind.BARE;
            };
        }

        /** How many backquote substitutions enclose this point: each needs one more level of escaping. */
        int backquoteDepth() {
            int n = 0;
            for (Frame f : stack) {
                if (f.type == '`') {
                    n++;
                }
            }
            return n;
        }

        String heredocDelimiter() {
            return current == null ? null : current.delimiter;
        }

        private Heredoc current;

        /** Reads literal template text. */
        public void advance(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
                switch (top()) {
                    case '\'' -> {
                        if (c == '\'') {
                            stack.pop();
                        }
                    }
                    case '"' -> {
                        if (c == '\\') {
                            i++;
                        } else if (c == '"') {
                            stack.pop();
                        } else if (c == '$' && next == '(') {
                            stack.push(new Frame('(', 0));
                            i++;
                        } else if (c == '$' && next == '{') {
                            stack.push(new Frame('{', 0));
                            i++;
                        } else if (c == '`') {
                            stack.push(new Frame('`', 0));
                        }
                    }
                    case '#' -> {
                        if (c == '\n') {
                            stack.pop();
                            newline();
                        }
                    }
                    case '{' -> {
                        if (c == '}') {
                            stack.pop();
                        }
                    }
                    case 'H', 'Q' -> {
                        if (c == '\n') {
                            endOfHeredocLine();
                        } else {
                            lineSoFar += c;
                            if (top() == 'H' && c == '\\') {
                                i++;
                            } else if (top() == 'H' && c == '$' && next == '(') {
                                stack.push(new Frame('(', 0));
                                i++;
                            } else if (top() == 'H' && c == '`') {
                                stack.push(new Frame('`', 0));
                            }
                        }
                    }
                    default -> i = code(text, i, c, next);
                }
            }
        }

        /** Unquoted shell code (top level, inside $( ) or backquotes). Returns the index consumed. */
        private int code(String text, int i, char c, char next) {
            Frame f = stack.peek();
            boolean wordStart = atWordStart;
            atWordStart = c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '(' || c == '\n';
            switch (c) {
                case '\\' -> {
                    return i + 1;
                }
                case '\'' -> stack.push(new Frame('\'', 0));
                case '"' -> stack.push(new Frame('"', 0));
                case '`' -> {
                    if (f.type == '`') {
                        stack.pop();
                    } else {
                        stack.push(new Frame('`', 0));
                    }
                }
                case '#' -> {
                    if (wordStart) {
                        stack.push(new Frame('#', 0));
                    }
                }
                case '$' -> {
                    if (next == '(') {
                        stack.push(new Frame('(', 0));
                        return i + 1;
                    }
                    if (next == '{') {
                        stack.push(new Frame('{', 0));
                        return i + 1;
                    }
                }
                case '(' -> {
                    if (f.type == '(') {
                        stack.pop();
                        stack.push(new Frame('(', f.parens + 1));
                    }
                }
                case ')' -> {
                    if (f.type == '(') {
                        stack.pop();
                        if (f.parens > 0) {
                            stack.push(new Frame('(', f.parens - 1));
                        }
                    }
                }
                case '<' -> {
                    if (next == '<' && (i + 2 >= text.length() || text.charAt(i + 2) != '<')) {
                        return heredocStart(text, i + 2);
                    }
                }
                case '\n' -> newline();
                default -> { }
            }
            return i;
        }

        /** Reads {@code <<WORD}, {@code <<-WORD}, {@code <<'WORD'}, {@code <<"WORD"}: the body starts at the next newline. */
        private int heredocStart(String text, int from) {
            int i = from;
            boolean strip = i < text.length() && text.charAt(i) == '-';
            if (strip) {
                i++;
            }
            while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                i++;
            }
            StringBuilder word = new StringBuilder();
            boolean quoted = false;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == '\'' || c == '"' || c == '\\') {
                    quoted = true;
                    i++;
                    continue;
                }
                if (Character.isWhitespace(c) || c == ';' || c == '|' || c == '&' || c == '<' || c == '>' || c == ')') {
                    break;
                }
                word.append(c);
                i++;
            }
            if (word.length() > 0) {
                pendingHeredocs.add(new Heredoc(word.toString(), quoted, strip));
            }
            return i - 1;
        }

        private void newline() {
            atWordStart = true;
            if (!pendingHeredocs.isEmpty()) {
                current = pendingHeredocs.remove(0);
                lineSoFar = "";
                stack.push(new Frame(current.quoted ? 'Q' : 'H', 0));
            }
        }

        /** Records spliced text: inside a here-document it is part of the current line. */
        public void spliced(String text) {
            if (top() == 'H' || top() == 'Q') {
                int nl = text.lastIndexOf('\n');
                lineSoFar = nl < 0 ? lineSoFar + text : text.substring(nl + 1);
                lineHasSplice = true;
            }
        }

        private boolean lineHasSplice;

        private void endOfHeredocLine() {
            String line = current.stripTabs ? lineSoFar.replaceFirst("^\t+", "") : lineSoFar;
            lineSoFar = "";
            boolean spliceOnLine = lineHasSplice;
            lineHasSplice = false;
            if (line.equals(current.delimiter) && spliceOnLine) {
                throw new IllegalArgumentException("a spliced value completes the line '" + current.delimiter
                        + "', which would end the here-document early");
            }
            if (line.equals(current.delimiter)) {
                stack.pop();
                current = null;
                newline();
            }
        }
    }

    private ShellQuoting() {}

    /** {@code s} as one single-quoted shell word (or bare when it needs no quotes). */
    public static String quote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || "@%+=:,./_-".indexOf(c) >= 0)) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * {@code s} escaped to stay one literal word where {@code state} stands.
     *
     * @throws IllegalArgumentException where no quoting can keep it literal (the message says why)
     */
    public static String splice(String s, State state) {
        String word = switch (state.kind()) {
            case BARE, COMMENT -> quote(s);
            case SINGLE -> s.replace("'", "'\\''");
            case DOUBLE -> s.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("`", "\\`");
            case HEREDOC -> heredocSafe(s.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`"), state);
            case QUOTED_HEREDOC -> heredocSafe(s, state);
            case PARAM -> throw new IllegalArgumentException("a value cannot be spliced inside ${...}; assign it to a variable first");
        };
        if (state.kind() == Kind.COMMENT && s.contains("\n")) {
            throw new IllegalArgumentException("a value with a line break cannot be spliced into a shell comment");
        }
        return backquoted(word, state.backquoteDepth());
    }

    /** A reference to an environment variable, expanded by the shell as one word. */
    public static String envRef(String var, State state) {
        String ref = switch (state.kind()) {
            case BARE, COMMENT -> "\"${" + var + "}\"";
            case SINGLE -> "'\"${" + var + "}\"'";
            case DOUBLE, HEREDOC -> "${" + var + "}";
            case QUOTED_HEREDOC -> throw new IllegalArgumentException(
                    "a secret cannot be spliced into a quoted here-document (<<'EOF'): nothing expands there; use <<EOF");
            case PARAM -> throw new IllegalArgumentException("a secret cannot be spliced inside ${...}");
        };
        return backquoted(ref, state.backquoteDepth());
    }

    /** Inside backquotes the shell removes one level of backslashes before it reads the command. */
    private static String backquoted(String word, int depth) {
        String w = word;
        for (int i = 0; i < depth; i++) {
            w = w.replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$");
        }
        return w;
    }

    private static String heredocSafe(String s, State state) {
        String delimiter = state.heredocDelimiter();
        for (String line : s.split("\n", -1)) {
            if (line.replaceFirst("^\t+", "").equals(delimiter)) {
                throw new IllegalArgumentException("the value holds a line '" + delimiter + "' that would end the here-document");
            }
        }
        return s;
    }
}
