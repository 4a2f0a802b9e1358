package dev.runbook.expr;

import dev.runbook.expr.ShellSite.Check;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * The words of the shell code in one frame (the top level, a {@code $( )}, a subshell, a backquote
 * substitution), followed far enough to know where a word starts (a {@code #} there starts a
 * comment), which words are reserved words ({@code case ... in ... esac}, whose {@code )} closes a
 * pattern, not a parenthesis; {@code [[ ]]}), and how the command uses each word ({@link ShellCommand}).
 * {@link ShellLexer} feeds it what it reads outside quotes.
 */
final class ShellWords {

    /** Changes what earlier splices must be, once a later word shows it ({@code [[ $x -eq 1 ]]}). */
    interface Marker {
        void mark(List<Integer> splices, Check check, String what);
    }

    /** A here-document as its operator gives it; whether its body is read as code is known when its pipeline ends. */
    static final class Heredoc {
        final String delimiter;
        final boolean quoted;
        final boolean strip;
        String refusal;

        Heredoc(String delimiter, boolean quoted, boolean strip) {
            this.delimiter = delimiter;
            this.quoted = quoted;
            this.strip = strip;
        }
    }

    private record Owned(Heredoc heredoc, int stage) {}

    private enum Case { SUBJECT, IN, PATTERN, BODY }

    private static final Set<String> OPENERS = Set.of("if", "then", "else", "elif", "do", "while", "until", "!", "{", "time");
    private static final Set<String> CLOSERS = Set.of("fi", "done", "}", "for", "select", "function");
    private static final Set<String> RESERVED = Set.of("if", "then", "else", "elif", "fi", "do", "done", "case", "esac",
            "while", "until", "for", "select", "in", "function", "time", "coproc", "!", "{", "}", "[[", "]]");
    private static final Set<String> TEST_ARITHMETIC = Set.of("-eq", "-ne", "-lt", "-le", "-gt", "-ge");

    private final Marker marker;
    private final Deque<Case> cases = new ArrayDeque<>();
    private final StringBuilder prefix = new StringBuilder();
    private ShellCommand command = new ShellCommand();
    private final List<ShellCommand> stages = new ArrayList<>(List.of(command));
    private final List<Owned> heredocs = new ArrayList<>();
    private boolean inWord;
    private boolean literal;
    private boolean commandPosition = true;
    private boolean redirectTarget;
    private boolean semicolon;
    private boolean condition;
    private ShellCommand.Use conditionNext;
    private ShellCommand.Use use = ShellCommand.Use.PLAIN;
    private List<Integer> splices = new ArrayList<>();
    private List<Integer> lastSplices = List.of();

    ShellWords(Marker marker) {
        this.marker = marker;
    }

    /** Whether nothing of a word has been read since the last blank or operator. */
    boolean atWordStart() {
        return !inWord;
    }

    boolean inCondition() {
        return condition;
    }

    /** Inside a case pattern, where {@code (} may open it and {@code )} ends it. */
    boolean inCasePattern() {
        return cases.peek() == Case.PATTERN;
    }

    /** Whether a word starting now would be the command's name. */
    boolean atCommandWord() {
        return !inWord && commandPosition && command.atCommandWord() && !condition && !redirectTarget
                && (cases.isEmpty() || cases.peek() == Case.BODY);
    }

    /** An unquoted character that is part of a word. */
    void plain(char c) {
        semicolon = false;
        start();
        if (literal) {
            prefix.append(c);
        }
    }

    /** A quote, an expansion or an escaped character begins: the word is no longer plain text. */
    void part() {
        semicolon = false;
        start();
        literal = false;
    }

    /** A value is spliced into the current word (starting it if need be). */
    void spliced(int index) {
        part();
        splices.add(index);
    }

    /** A value is spliced inside a part of the current word (a quote, a substitution), if a word is being read. */
    void contains(int index) {
        if (inWord) {
            splices.add(index);
        }
    }

    /** How the current word is used: what a value spliced into it must be, or why it is refused. */
    ShellCommand.Use use() {
        if (!inWord) {
            return ShellCommand.Use.PLAIN;
        }
        if (command.atCommandWord() && commandPosition && prefix.toString().matches("[A-Za-z_][A-Za-z0-9_]*\\[[^\\]]*")) {
            return new ShellCommand.Use(Check.INTEGER, "an array subscript", null); // bash evaluates it
        }
        return use;
    }

    void blank() {
        semicolon = false;
        end();
    }

    /** {@code ;}, {@code &}, {@code |} or a newline. */
    void separator(char c) {
        end();
        boolean caseEnd = cases.peek() == Case.BODY && (c == ';' || c == '&') && semicolon;
        semicolon = c == ';' && !semicolon;
        if (condition || cases.peek() == Case.PATTERN || cases.peek() == Case.SUBJECT || cases.peek() == Case.IN) {
            return; // && and || inside [[ ]], | between patterns, newlines in a case's head
        }
        if (caseEnd) {
            cases.pop();
            cases.push(Case.PATTERN);
        }
        commandPosition = true;
        command = new ShellCommand();
        if (c != '|') {
            endOfPipeline();
        }
        stages.add(command);
    }

    /** A here-document operator in the current command: {@code cat <<EOF | sh} reads it as code too. */
    void heredoc(Heredoc h) {
        redirectTarget = false; // the lexer read the delimiter word
        if (h != null) {
            heredocs.add(new Owned(h, stages.size() - 1));
        }
    }

    /** The pipeline ends (a separator, the end of the frame): its here-documents learn who reads them. */
    void endOfPipeline() {
        end();
        for (Owned o : heredocs) {
            for (ShellCommand reader : stages.subList(o.stage(), stages.size())) {
                if (reader.readsStdinAsCode() && o.heredoc().refusal == null) {
                    o.heredoc().refusal = reader.stdinRefusal();
                }
            }
        }
        heredocs.clear();
        stages.clear();
    }

    /** {@code <} or {@code >}: the next word is a file (a digit just before is the descriptor). */
    void redirect() {
        semicolon = false;
        if (inWord && literal && !prefix.isEmpty() && prefix.chars().allMatch(Character::isDigit)) {
            inWord = false;
        }
        end();
        redirectTarget = !condition;
    }

    /** {@code (} or {@code )} inside [[ ]] or a case pattern, or a subshell or {@code (( ))} just opened or closed. */
    void paren(char c) {
        semicolon = false;
        end();
        if (cases.peek() == Case.PATTERN && c == ')') {
            cases.pop();
            cases.push(Case.BODY);
            commandPosition = true;
            command = new ShellCommand();
        } else if (!condition && cases.peek() != Case.PATTERN) {
            commandPosition = c == '(';
            command = new ShellCommand();
            stages.set(stages.size() - 1, command);
        }
    }

    private void start() {
        if (inWord) {
            return;
        }
        inWord = true;
        literal = true;
        prefix.setLength(0);
        splices = new ArrayList<>();
        use = redirectTarget || header() ? ShellCommand.Use.PLAIN
                : condition ? (conditionNext == null ? ShellCommand.Use.PLAIN : conditionNext)
                : command.next();
    }

    private boolean header() {
        Case c = cases.peek();
        return c == Case.SUBJECT || c == Case.IN || c == Case.PATTERN;
    }

    private void end() {
        if (!inWord) {
            return;
        }
        inWord = false;
        String word = literal ? prefix.toString() : null;
        if (redirectTarget) {
            redirectTarget = false;
        } else if (condition) {
            conditionWord(word);
        } else if (header()) {
            caseHeader(word);
        } else if (commandPosition && command.atCommandWord() && word != null && RESERVED.contains(word)) {
            reserved(word);
        } else {
            command.word(prefix.toString(), literal);
            commandPosition = command.atCommandWord();
        }
        lastSplices = splices;
    }

    private void conditionWord(String word) {
        conditionNext = null;
        if ("]]".equals(word)) {
            condition = false;
            commandPosition = false;
        } else if (word != null && TEST_ARITHMETIC.contains(word)) {
            marker.mark(lastSplices, Check.INTEGER, "[[ " + word + " ]]"); // bash evaluates both operands
            conditionNext = new ShellCommand.Use(Check.INTEGER, "[[ " + word + " ]]", null);
        } else if ("-v".equals(word) || "-R".equals(word)) {
            conditionNext = new ShellCommand.Use(Check.NAME, "[[ " + word + " ]]", null);
        }
    }

    private void caseHeader(String word) {
        Case c = cases.pop();
        if (c == Case.SUBJECT) {
            cases.push(Case.IN);
        } else if (c == Case.IN) {
            cases.push(Case.PATTERN); // "in", or a malformed case the shell refuses anyway
        } else if (!"esac".equals(word) || !splices.isEmpty()) {
            cases.push(Case.PATTERN);
        } else {
            commandPosition = false;
        }
    }

    private void reserved(String word) {
        if (word.equals("case")) {
            cases.push(Case.SUBJECT);
            commandPosition = false;
        } else if (word.equals("[[")) {
            condition = true;
            conditionNext = null;
            commandPosition = false;
        } else if (word.equals("esac") && cases.peek() == Case.BODY) {
            cases.pop();
            commandPosition = false;
        } else {
            commandPosition = OPENERS.contains(word) || !CLOSERS.contains(word) && commandPosition;
        }
    }
}
