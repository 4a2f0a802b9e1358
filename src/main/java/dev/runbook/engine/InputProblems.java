package dev.runbook.engine;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The problems of a run's input (secrets, params, targets), gathered from every check before any
 * is reported: a missing secret must not hide a mistyped param, or the user fixes one per attempt.
 */
final class InputProblems {
    private final List<Diagnostic> found = new ArrayList<>();

    /** The check's answer, or null when it refused the input (its diagnostics are kept). */
    <T> T check(Supplier<T> check) {
        try {
            return check.get();
        } catch (InvalidInputException e) {
            found.addAll(e.diagnostics());
            return null;
        }
    }

    /** @throws InvalidInputException with every diagnostic found, when there is one */
    void throwIfAny() {
        if (!found.isEmpty()) {
            throw new InvalidInputException(found);
        }
    }
}
