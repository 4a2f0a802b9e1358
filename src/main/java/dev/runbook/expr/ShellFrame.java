package dev.runbook.expr;

/** One nested context of shell text that {@link ShellLexer} is inside: a quote, a substitution, a here-document... */
final class ShellFrame {

    enum Type { CODE, SINGLE, ANSI_C, DOUBLE, COMMENT, PARAM, ARITH, HEREDOC, QUOTED_HEREDOC }

    /** How a frame of code or arithmetic was opened, which says how it closes and what it is called. */
    enum Opener {
        NONE(""), TOP(""), SUBSHELL("( )"), SUBSTITUTION("$( )"), BACKQUOTE("` `"),
        DOLLAR_ARITH("$(( ))"), ARITH_COMMAND("(( ))"), BRACKET("$[ ]");

        final String text;

        Opener(String text) {
            this.text = text;
        }
    }

    final Type type;
    final Opener opener;
    final ShellWords words;
    final ShellWords.Heredoc heredoc;
    /** A backquote substitution inside double quotes, where {@code \"} stands for {@code "}. */
    boolean inDouble;
    /** A backquote substitution inside a here-document. */
    boolean inHeredoc;
    /** A backquote substitution just read a backslash, which it removes or keeps by the next character. */
    boolean backslash;
    /** An unquoted backslash was just read: the next character is taken literally. */
    boolean escaped;
    /** A character whose meaning depends on the next one ({@code $}, {@code <}...); 0 for none. */
    char pending;
    /** Arithmetic: parentheses (or brackets, in {@code $[ ]}) opened inside. */
    int depth;
    /** Code: the delimiter word of a here-document being read. */
    Delimiter delimiter;

    private ShellFrame(Type type, Opener opener, ShellWords words, ShellWords.Heredoc heredoc) {
        this.type = type;
        this.opener = opener;
        this.words = words;
        this.heredoc = heredoc;
    }

    static ShellFrame code(Opener opener, ShellWords words) {
        return new ShellFrame(Type.CODE, opener, words, null);
    }

    static ShellFrame backquote(ShellWords words, boolean inDouble, boolean inHeredoc) {
        ShellFrame f = code(Opener.BACKQUOTE, words);
        f.inDouble = inDouble;
        f.inHeredoc = inHeredoc;
        return f;
    }

    static ShellFrame simple(Type type) {
        return new ShellFrame(type, Opener.NONE, null, null);
    }

    static ShellFrame arith(Opener opener) {
        return new ShellFrame(Type.ARITH, opener, null, null);
    }

    static ShellFrame heredoc(ShellWords.Heredoc h) {
        return new ShellFrame(h.quoted ? Type.QUOTED_HEREDOC : Type.HEREDOC, Opener.NONE, null, h);
    }

    /** Reads the word after {@code <<} or {@code <<-}: quoted in any part, the document is quoted. */
    static final class Delimiter {
        private final boolean strip;
        private final StringBuilder text = new StringBuilder();
        private boolean quoted;
        private boolean escape;
        private char quote;

        Delimiter(boolean strip) {
            this.strip = strip;
        }

        /** Takes a character; false when it ends the word (and is not part of it). */
        boolean read(char c) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    text.append(c);
                }
            } else if (escape) {
                escape = false;
                text.append(c);
            } else if (c == '\\' || c == '\'' || c == '"') {
                quoted = true;
                escape = c == '\\';
                quote = c == '\\' ? 0 : c;
            } else if ((c == ' ' || c == '\t') && text.isEmpty() && !quoted) {
                return true; // blanks before the word
            } else if (" \t\n;&|()<>".indexOf(c) >= 0) {
                return false;
            } else {
                text.append(c);
            }
            return true;
        }

        /** The here-document the word names, or null if there was no word. */
        ShellWords.Heredoc heredoc() {
            return text.isEmpty() && !quoted ? null : new ShellWords.Heredoc(text.toString(), quoted, strip);
        }
    }
}
