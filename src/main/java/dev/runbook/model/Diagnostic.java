package dev.runbook.model;

import java.util.Comparator;

/** A problem found in an input file, reported as {@code file:line:col: severity: message}. */
public record Diagnostic(Severity severity, SourcePos pos, String message, String hint) {

    public enum Severity { ERROR, WARNING }

    public static final Comparator<Diagnostic> ORDER = Comparator
            .comparing((Diagnostic d) -> d.pos().file())
            .thenComparingInt(d -> d.pos().line())
            .thenComparingInt(d -> d.pos().col());

    public static Diagnostic error(SourcePos pos, String message) {
        return new Diagnostic(Severity.ERROR, pos, message, null);
    }

    public static Diagnostic error(SourcePos pos, String message, String hint) {
        return new Diagnostic(Severity.ERROR, pos, message, hint);
    }

    public static Diagnostic warning(SourcePos pos, String message) {
        return new Diagnostic(Severity.WARNING, pos, message, null);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    // equals and hashCode written out: a record's generated ones are bootstrapped through
    // invokedynamic on first use, which costs every run about 15 ms of start-up.
    @Override
    public boolean equals(Object o) {
        return o instanceof Diagnostic d && severity == d.severity && java.util.Objects.equals(pos, d.pos)
                && java.util.Objects.equals(message, d.message) && java.util.Objects.equals(hint, d.hint);
    }

    @Override
    public int hashCode() {
        return (java.util.Objects.hashCode(pos) * 31 + java.util.Objects.hashCode(message)) * 31 + java.util.Objects.hashCode(hint);
    }

    @Override
    public String toString() {
        // a problem with a whole file (or with no file: a flag, a variable) has no line to point at
        String where = pos.line() > 0 ? pos.toString() : pos.file();
        String text = where + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + oneLine(message);
        return hint == null ? text : text + " (" + oneLine(hint) + ")";
    }

    /**
     * A diagnostic is one line whatever it quotes: a value with a line break in it shows it as \n,
     * an escape sequence as \x1b ({@link Visible#line}).
     */
    public static String oneLine(String s) {
        return Visible.line(s);
    }
}
