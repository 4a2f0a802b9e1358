package dev.runbook.expr;

import dev.runbook.expr.TemplateParts.Part;
import java.util.List;

/**
 * Reads the literal text of a shell template the way dash and bash read it, far enough to say
 * where each splice lands ({@link ShellSite}): quotes ({@code '...'}, {@code "..."}, bash's
 * {@code $'...'}), substitutions ({@code $( )}, backquotes, whose backslashes it removes as the
 * shell does before reading what they hold), {@code ${...}}, arithmetic ({@code $(( ))},
 * {@code (( ))}, {@code $[ ]}), comments, here-documents, and through {@link ShellWords} the words
 * of each command. Where the two shells read the same text differently, or where this reader
 * cannot follow, every later splice is refused rather than guessed.
 */
final class ShellLexer {
    private final ShellStack stack = new ShellStack();
    private final ShellHeredocs heredocs = new ShellHeredocs(stack);

    private ShellLexer() {}

    static ShellSurvey survey(List<Part> parts) {
        ShellLexer lexer = new ShellLexer();
        for (Part part : parts) {
            if (part.expression()) {
                int index = lexer.stack.sites.size();
                lexer.stack.sites.add(lexer.stack.site(index));
                lexer.heredocs.splice(index);
            } else {
                for (int i = 0; i < part.text().length(); i++) {
                    lexer.raw(part.text().charAt(i));
                }
            }
        }
        lexer.heredocs.finish();
        return new ShellSurvey(lexer.stack.sites, lexer.heredocs.lines());
    }

    private ShellFrame top() {
        return stack.top();
    }

    private void push(ShellFrame f) {
        stack.push(f);
    }

    private void pop() {
        stack.pop();
    }

    /** A character as written in the template: a here-document's lines are followed here, before any backslash is removed. */
    private void raw(char c) {
        if (!heredocs.raw(c)) {
            deliver(0, c);
        }
    }

    /** Passes a character through the backquote substitutions from {@code from} up, each removing its backslashes. */
    private void deliver(int from, char c) {
        for (int i = from; i < stack.frames.size(); i++) {
            ShellFrame f = stack.frames.get(i);
            if (f.opener != ShellFrame.Opener.BACKQUOTE) {
                continue;
            }
            if (f.backslash) {
                f.backslash = false;
                if (c == '"' && f.inHeredoc) {
                    stack.unsure("a value cannot be spliced after \\\" inside backquotes in a here-document, which dash and "
                            + "bash read differently; use $( ) instead of backquotes");
                }
                if (c == '$' || c == '`' || c == '\\' || c == '"' && f.inDouble) {
                    deliver(i + 1, c);
                } else {
                    deliver(i + 1, '\\');
                    deliver(i + 1, c);
                }
                return;
            }
            if (c == '\\') {
                f.backslash = true;
                return;
            }
            if (c == '`') {
                while (stack.frames.size() > i) {
                    pop();
                }
                return;
            }
        }
        lex(c);
    }

    private void lex(char c) {
        ShellFrame f = top();
        if (f.pending != 0) {
            char p = f.pending;
            f.pending = 0;
            if (resolve(f, p, c)) {
                return;
            }
            f = top();
        }
        if (f.escaped) {
            f.escaped = false;
            if (f.words != null && c != '\n') {
                f.words.part();
            }
            if (f.type == ShellFrame.Type.HEREDOC && c == '\n') {
                stack.unsure("a value cannot be spliced after a backslash that ends a here-document line");
            }
            return;
        }
        switch (f.type) {
            case CODE -> code(f, c);
            case SINGLE -> closeOn(c, '\'');
            case ANSI_C, DOUBLE, PARAM, ARITH, HEREDOC -> quoted(f, c);
            case COMMENT -> {
                if (c == '\n') {
                    pop();
                    lex(c);
                }
            }
            case QUOTED_HEREDOC -> { }
        }
    }

    private void closeOn(char c, char closer) {
        if (c == closer) {
            pop();
        }
    }

    private void code(ShellFrame f, char c) {
        ShellWords w = f.words;
        if (f.delimiter != null) {
            delimiter(f, c);
            return;
        }
        switch (c) {
            case '\\' -> f.escaped = true;
            case '\'' -> part(w, ShellFrame.simple(ShellFrame.Type.SINGLE));
            case '"' -> part(w, ShellFrame.simple(ShellFrame.Type.DOUBLE));
            case '`' -> part(w, ShellFrame.backquote(stack.words(), false, false));
            case '$' -> {
                w.part();
                f.pending = '$';
            }
            case '#' -> {
                if (w.atWordStart()) {
                    push(ShellFrame.simple(ShellFrame.Type.COMMENT));
                } else {
                    w.plain(c);
                }
            }
            case ' ', '\t' -> w.blank();
            case '\n' -> {
                w.separator(c);
                heredocs.newline();
            }
            case ';', '&', '|' -> w.separator(c);
            case '(' -> openParen(f);
            case ')' -> closeParen(f);
            case '<', '>' -> {
                w.redirect();
                f.pending = w.inCondition() ? 0 : c;
            }
            default -> w.plain(c);
        }
    }

    private void part(ShellWords w, ShellFrame f) {
        w.part();
        push(f);
    }

    private void openParen(ShellFrame f) {
        ShellWords w = f.words;
        boolean start = w.atWordStart();
        w.paren('(');
        if (w.inCasePattern() || w.inCondition()) {
            return;
        }
        if (start) {
            f.pending = '('; // (( opens arithmetic
        } else {
            push(stack.code(ShellFrame.Opener.SUBSHELL));
        }
    }

    private void closeParen(ShellFrame f) {
        ShellWords w = f.words;
        if (w.inCasePattern() || w.inCondition() || f.opener == ShellFrame.Opener.TOP || f.opener == ShellFrame.Opener.BACKQUOTE) {
            w.paren(')');
            return;
        }
        pop();
        if (f.opener == ShellFrame.Opener.SUBSHELL) {
            top().words.paren(')');
        }
    }

    /** Inside quotes, ${...}, arithmetic and here-documents: what opens or closes a frame there. */
    private void quoted(ShellFrame f, char c) {
        switch (c) {
            case '\\' -> f.escaped = true;
            case '$' -> f.pending = f.type == ShellFrame.Type.ANSI_C ? 0 : '$';
            case '`' -> {
                if (f.type != ShellFrame.Type.ANSI_C) {
                    boolean heredoc = f.type == ShellFrame.Type.HEREDOC; // dash reads \" there as ", bash as \"
                    push(ShellFrame.backquote(stack.words(), !heredoc && stack.inDouble(), heredoc));
                }
            }
            default -> quotedChar(f, c);
        }
    }

    private void quotedChar(ShellFrame f, char c) {
        switch (f.type) {
            case ANSI_C -> closeOn(c, '\'');
            case DOUBLE -> closeOn(c, '"');
            case PARAM -> {
                if (c == '}') {
                    pop();
                } else if (c == '"') {
                    push(ShellFrame.simple(ShellFrame.Type.DOUBLE));
                } else if (c == '\'' && stack.inDouble()) {
                    stack.unsure("a value cannot be spliced after a ' inside ${...} inside double quotes, which dash and bash "
                            + "read differently");
                } else if (c == '\'') {
                    push(ShellFrame.simple(ShellFrame.Type.SINGLE));
                }
            }
            case ARITH -> arithChar(f, c);
            default -> { }
        }
    }

    private void arithChar(ShellFrame f, char c) {
        boolean bracket = f.opener == ShellFrame.Opener.BRACKET;
        if (c == '"' || c == '\'') {
            push(ShellFrame.simple(c == '"' ? ShellFrame.Type.DOUBLE : ShellFrame.Type.SINGLE));
        } else if (c == (bracket ? '[' : '(')) {
            f.depth++;
        } else if (c == (bracket ? ']' : ')') && f.depth > 0) {
            f.depth--;
        } else if (c == ']' && bracket) {
            pop();
        } else if (c == ')' && !bracket) {
            f.pending = ')'; // the first of the two that close it
        }
    }

    /** After {@code $}, {@code $(}, {@code <}, {@code <<}, {@code (}, or a first {@code )} in arithmetic: what the next character makes of it. */
    private boolean resolve(ShellFrame f, char p, char c) {
        switch (p) {
            case '$' -> {
                return dollar(f, c);
            }
            case 'D' -> {
                push(c == '(' ? ShellFrame.arith(ShellFrame.Opener.DOLLAR_ARITH) : stack.code(ShellFrame.Opener.SUBSTITUTION));
                return c == '(';
            }
            case '<', '>' -> {
                if (p == '<' && c == '<') {
                    f.pending = 'L';
                    return true;
                }
                if (c == '(') {
                    push(stack.code(ShellFrame.Opener.SUBSTITUTION)); // bash's process substitution
                    return true;
                }
                return c == '&' || c == '>' || c == '|' || p == '<' && c == '>';
            }
            case 'L' -> {
                if (c == '<') {
                    return true; // <<< is bash's here-string: a word follows
                }
                f.delimiter = new ShellFrame.Delimiter(c == '-');
                return c == '-';
            }
            case '(' -> {
                push(c == '(' ? ShellFrame.arith(ShellFrame.Opener.ARITH_COMMAND) : stack.code(ShellFrame.Opener.SUBSHELL));
                return c == '(';
            }
            default -> {
                return stack.secondParen(f, c);
            }
        }
    }

    private boolean dollar(ShellFrame f, char c) {
        boolean code = f.type == ShellFrame.Type.CODE;
        switch (c) {
            case '(' -> f.pending = 'D';
            case '{' -> push(ShellFrame.simple(ShellFrame.Type.PARAM));
            case '[' -> push(ShellFrame.arith(ShellFrame.Opener.BRACKET));
            case '\'' -> {
                if (code) {
                    push(ShellFrame.simple(ShellFrame.Type.ANSI_C));
                }
                return code;
            }
            case '"' -> {
                if (code) {
                    push(ShellFrame.simple(ShellFrame.Type.DOUBLE)); // bash's $"...": double quotes, translated
                }
                return code;
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void delimiter(ShellFrame f, char c) {
        if (f.delimiter.read(c)) {
            return;
        }
        ShellWords.Heredoc h = f.delimiter.heredoc();
        f.delimiter = null;
        if (h != null) {
            heredocs.add(h);
        }
        f.words.heredoc(h);
        code(f, c);
    }
}
