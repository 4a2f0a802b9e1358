package dev.runbook.expr;

/**
 * A value a dry run cannot know yet (an earlier step's output). It renders as its own name,
 * such as {@code <steps.check.stdout>}, in every mode.
 */
public interface Unknown {
}
