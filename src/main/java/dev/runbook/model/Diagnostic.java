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

    @Override
    public String toString() {
        String text = pos + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
        return hint == null ? text : text + " (" + hint + ")";
    }
}
