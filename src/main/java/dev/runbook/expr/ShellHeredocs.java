package dev.runbook.expr;

import java.util.ArrayList;
import java.util.List;

/**
 * The here-documents of a shell template: those named on the current command line, and the body
 * being read, followed line by line as written (the shell finds the delimiter line before it
 * removes any backslash or expands anything). Lines that hold a splice are kept for
 * {@link ShellSurvey#endsHeredocEarly}: only the values tell whether one becomes the delimiter.
 */
final class ShellHeredocs {
    private final ShellStack stack;
    private final List<ShellWords.Heredoc> pending = new ArrayList<>();
    private final List<ShellSurvey.Line> lines = new ArrayList<>();
    private final StringBuilder line = new StringBuilder();
    private final List<Object> pieces = new ArrayList<>();
    private ShellFrame body;

    ShellHeredocs(ShellStack stack) {
        this.stack = stack;
    }

    List<ShellSurvey.Line> lines() {
        return lines;
    }

    /** A here-document operator was read: its body comes after the next newline token. */
    void add(ShellWords.Heredoc h) {
        pending.add(h);
    }

    /**
     * A character as written, before any backquote removes a backslash.
     *
     * @return true when it was the line break that ends the body being read
     */
    boolean raw(char c) {
        if (body == null) {
            return false;
        }
        if (c != '\n') {
            line.append(c);
            pieces.add(String.valueOf(c));
            return false;
        }
        return endOfLine();
    }

    void splice(int index) {
        if (body != null) {
            pieces.add(index);
        }
    }

    /** A newline token: the body of the first here-document still to read starts on the next line. */
    void newline() {
        if (body != null || pending.isEmpty()) {
            return;
        }
        ShellWords.Heredoc h = pending.remove(0);
        if (stack.frames.stream().anyMatch(f -> f.opener == ShellFrame.Opener.BACKQUOTE)) {
            stack.unsure("a value cannot be spliced after a here-document inside backquotes; use $( ) instead of backquotes");
        }
        body = stack.push(ShellFrame.heredoc(h));
        line.setLength(0);
        pieces.clear();
    }

    /** The end of the template: a last line with no line break is read too. */
    void finish() {
        if (body != null && spliced()) {
            lines.add(new ShellSurvey.Line(pieces, body.heredoc.delimiter, body.heredoc.strip));
        }
    }

    private boolean spliced() {
        return pieces.stream().anyMatch(p -> p instanceof Integer);
    }

    /** A body line ends; true when it is the delimiter, which ends the document. */
    private boolean endOfLine() {
        ShellWords.Heredoc h = body.heredoc;
        boolean spliced = spliced();
        if (spliced) {
            lines.add(new ShellSurvey.Line(pieces, h.delimiter, h.strip));
        }
        String text = h.strip ? line.toString().replaceFirst("^\t+", "") : line.toString();
        line.setLength(0);
        pieces.clear();
        if (stack.top() != body) {
            stack.unsure("a value cannot be spliced after a substitution or quote that spans lines of a here-document");
        }
        if (spliced || !text.equals(h.delimiter)) {
            return false;
        }
        while (stack.top() != body) {
            stack.pop();
        }
        stack.pop();
        body = null;
        newline();
        return true;
    }
}
