package dev.runbook.expr;

import dev.runbook.model.SourcePos;

/** An expression that could not be parsed or evaluated, pointing into the expression. */
public final class ExprException extends RuntimeException {
    private final SourcePos pos;

    public ExprException(SourcePos pos, String message) {
        super(message);
        this.pos = pos;
    }

    public SourcePos pos() {
        return pos;
    }

    @Override
    public String toString() {
        return pos + ": " + getMessage();
    }
}
