package dev.runbook.expr;

/** Text spliced into a command or statement without quoting, asked for with {@code raw(...)}. */
public record Raw(String text) {
    @Override
    public String toString() {
        return text;
    }
}
