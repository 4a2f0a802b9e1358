package dev.runbook.expr;

import dev.runbook.expr.ShellSite.Check;
import dev.runbook.expr.ShellSite.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * The nested contexts {@link ShellLexer} is inside at a point of the text, innermost last, and what
 * a splice at that point makes of them ({@link ShellSite}). Once the reader meets text dash and bash
 * read differently, or text it cannot follow, it records why, and every later splice is refused.
 */
final class ShellStack {
    private static final String AFTER_BACKSLASH = "a value cannot follow a backslash, which would take its first "
            + "character (its quoting) away; put the backslash inside quotes, or drop it";
    private static final String AFTER_DOLLAR = "a value cannot follow a bare '$', which would make it part of an "
            + "expansion; write \\$ or '$' for a dollar sign";
    private static final String IN_DELIMITER = "a value cannot be spliced into a here-document's delimiter word";
    private static final String IN_PARAMETER = "a value cannot be spliced inside ${...}; assign it to a variable first";

    final List<ShellFrame> frames = new ArrayList<>();
    final List<ShellSite> sites = new ArrayList<>();
    private String unsure;

    ShellStack() {
        frames.add(code(ShellFrame.Opener.TOP));
    }

    ShellFrame code(ShellFrame.Opener opener) {
        return ShellFrame.code(opener, words());
    }

    ShellWords words() {
        return new ShellWords(this::mark);
    }

    /** A later word shows what earlier splices must be ({@code [[ $x -eq 1 ]]}). */
    private void mark(List<Integer> splices, Check check, String what) {
        for (int i : splices) {
            ShellSite s = sites.get(i);
            if (s.refusal() == null && s.check() == Check.NONE) {
                sites.set(i, new ShellSite(s.kind(), null, check, what, s.arithmetic(), s.strictWord(), s.backquotes()));
            }
        }
    }

    ShellFrame top() {
        return frames.get(frames.size() - 1);
    }

    ShellFrame push(ShellFrame f) {
        frames.add(f);
        return f;
    }

    void pop() {
        ShellFrame f = frames.remove(frames.size() - 1);
        if (f.words != null) {
            f.words.endOfPipeline();
        }
    }

    void unsure(String why) {
        if (unsure == null) {
            unsure = why;
        }
    }

    /** Whether the innermost quoting around this point is a double quote (or a here-document's). */
    boolean inDouble() {
        for (int i = frames.size() - 1; i >= 0; i--) {
            ShellFrame.Type t = frames.get(i).type;
            if (t == ShellFrame.Type.DOUBLE || t == ShellFrame.Type.HEREDOC) {
                return true;
            }
            if (t == ShellFrame.Type.CODE || t == ShellFrame.Type.SINGLE) {
                return false;
            }
        }
        return false;
    }

    /** The character after a {@code )} that closes arithmetic: a second {@code )}, or text the shells read apart. */
    boolean secondParen(ShellFrame f, char c) {
        pop();
        if (c != ')') {
            unsure("a value cannot be spliced after " + f.opener.text + " closed by a single ')'");
        }
        if (f.opener == ShellFrame.Opener.ARITH_COMMAND) {
            top().words.paren(')');
        }
        return c == ')';
    }

    /** What a splice here ends of an unfinished token: null, or why nothing may be spliced here. */
    private String beforeSplice() {
        for (ShellFrame f : frames) {
            if (f.backslash) {
                f.backslash = false;
                return AFTER_BACKSLASH;
            }
        }
        ShellFrame f = top();
        if (f.escaped) {
            f.escaped = false;
            return AFTER_BACKSLASH;
        }
        if (f.delimiter != null) {
            f.delimiter = null;
            unsure(IN_DELIMITER);
            return IN_DELIMITER;
        }
        char p = f.pending;
        f.pending = 0;
        return switch (p) {
            case '$' -> AFTER_DOLLAR;
            case 'L' -> {
                unsure(IN_DELIMITER);
                yield IN_DELIMITER;
            }
            case 'D' -> {
                push(code(ShellFrame.Opener.SUBSTITUTION));
                yield null;
            }
            case '(' -> {
                push(code(ShellFrame.Opener.SUBSHELL));
                yield null;
            }
            case ')' -> {
                secondParen(f, ' ');
                yield null;
            }
            default -> null;
        };
    }

    /** Where a splice at this point lands. */
    ShellSite site(int index) {
        String refusal = beforeSplice();
        refusal = refusal == null ? unsure : refusal;
        ShellFrame top = top();
        boolean strictWord = top.type == ShellFrame.Type.CODE
                && (top.words.atCommandWord() || top.words.inCondition() && top.words.atWordStart());
        if (top.words != null) {
            top.words.spliced(index);
        }
        Check check = Check.NONE;
        String what = null;
        List<Boolean> backquotes = new ArrayList<>();
        for (int i = frames.size() - 1; i >= 0; i--) {
            ShellFrame f = frames.get(i);
            ShellCommand.Use use = f.words == null ? ShellCommand.Use.PLAIN : f.words.use();
            if (f.words != null && f != top) {
                f.words.contains(index);
            }
            String why = f.type == ShellFrame.Type.PARAM ? IN_PARAMETER : f.heredoc != null ? f.heredoc.refusal : use.refusal();
            refusal = refusal == null ? why : refusal;
            if (check == Check.NONE && (f.type == ShellFrame.Type.ARITH || use.check() != Check.NONE)) {
                check = f.type == ShellFrame.Type.ARITH ? Check.INTEGER : use.check();
                what = f.type == ShellFrame.Type.ARITH ? f.opener.text : use.what();
            }
            if (f.opener == ShellFrame.Opener.BACKQUOTE) {
                backquotes.add(f.inDouble);
            }
        }
        return new ShellSite(kind(top), refusal, check, what, top.type == ShellFrame.Type.ARITH, strictWord, backquotes);
    }

    private static Kind kind(ShellFrame f) {
        return switch (f.type) {
            case SINGLE -> Kind.SINGLE;
            case ANSI_C -> Kind.ANSI_C;
            case DOUBLE -> Kind.DOUBLE;
            case COMMENT -> Kind.COMMENT;
            case HEREDOC -> Kind.HEREDOC;
            case QUOTED_HEREDOC -> Kind.QUOTED_HEREDOC;
            default -> Kind.BARE;
        };
    }
}
