package dev.runbook.model;

/** Where a value was read from: 1-based line and column, as editors count them. */
public record SourcePos(String file, int line, int col) {

    public static final SourcePos NONE = new SourcePos("<none>", 0, 0);

    public SourcePos withCol(int newCol) {
        return new SourcePos(file, line, newCol);
    }

    // Written out rather than generated: see Diagnostic.
    @Override
    public boolean equals(Object o) {
        return o instanceof SourcePos p && line == p.line && col == p.col && java.util.Objects.equals(file, p.file);
    }

    @Override
    public int hashCode() {
        return (java.util.Objects.hashCode(file) * 31 + line) * 31 + col;
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + col;
    }
}
