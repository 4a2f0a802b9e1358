package dev.runbook.model;

import java.util.List;

/**
 * Input that cannot be used: a runbook, inventory, param or flag. Carries every diagnostic found,
 * so the user fixes them all in one go. Maps to exit code 2.
 */
public final class InvalidInputException extends RuntimeException {
    private final transient List<Diagnostic> diagnostics;

    public InvalidInputException(List<Diagnostic> diagnostics) {
        super(diagnostics.isEmpty() ? "invalid input" : diagnostics.get(0).toString());
        this.diagnostics = diagnostics.stream().sorted(Diagnostic.ORDER).toList();
    }

    public InvalidInputException(SourcePos pos, String message) {
        this(List.of(Diagnostic.error(pos, message)));
    }

    /** An error with no file behind it (a flag, an environment variable). */
    public static InvalidInputException usage(String message) {
        return new InvalidInputException(List.of(Diagnostic.error(new SourcePos("runbook", 0, 0), message)));
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
