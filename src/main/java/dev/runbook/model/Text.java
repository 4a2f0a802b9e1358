package dev.runbook.model;

/**
 * A string read from a runbook, with enough of its layout to map an offset inside it back to
 * a line and column: expression errors point into the expression, not at the start of the key.
 *
 * @param value       the string after YAML unescaping
 * @param pos         where the scalar starts (its opening quote, if quoted)
 * @param quoted      whether the scalar was written in quotes (its content starts one column later)
 * @param blockIndent for a block scalar ({@code |} or {@code >}), the column (1-based) its lines
 *                    start at; 0 for a flow scalar
 */
public record Text(String value, SourcePos pos, boolean quoted, int blockIndent) {

    public static Text of(String value) {
        return new Text(value, SourcePos.NONE, false, 0);
    }

    /** The source position of the character at {@code offset} inside {@link #value()}. */
    public SourcePos posAt(int offset) {
        int off = Math.max(0, Math.min(offset, value.length()));
        int line = 0;
        int lineStart = 0;
        for (int i = 0; i < off; i++) {
            if (value.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        // columns count code points, as editors and the YAML parser's marks do: an emoji is one column
        int cols = value.codePointCount(lineStart, off);
        if (blockIndent > 0) {
            return new SourcePos(pos.file(), pos.line() + 1 + line, blockIndent + cols);
        }
        if (line == 0) {
            return new SourcePos(pos.file(), pos.line(), pos.col() + (quoted ? 1 : 0) + cols);
        }
        return new SourcePos(pos.file(), pos.line() + line, 1 + cols);
    }

    public boolean isTemplate() {
        return value.contains("{{");
    }

    @Override
    public String toString() {
        return value;
    }
}
