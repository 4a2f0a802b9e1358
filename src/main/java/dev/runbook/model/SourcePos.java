package dev.runbook.model;

/** Where a value was read from: 1-based line and column, as editors count them. */
public record SourcePos(String file, int line, int col) {

    public static final SourcePos NONE = new SourcePos("<none>", 0, 0);

    public SourcePos withCol(int newCol) {
        return new SourcePos(file, line, newCol);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + col;
    }
}
