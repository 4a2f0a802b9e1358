package dev.runbook.expr;

/** A SQL identifier, asked for with {@code ident(...)}: spliced as a double-quoted name. */
public record Ident(String name) {
    @Override
    public String toString() {
        return name;
    }
}
