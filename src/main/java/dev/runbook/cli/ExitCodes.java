package dev.runbook.cli;

/** The exit codes scripts depend on; the contract lists them. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int STEP_FAILED = 1;
    public static final int INVALID_INPUT = 2;
    public static final int GATE_DENIED = 3;
    public static final int LOCKED = 4;
    public static final int INTERRUPTED = 130;

    private ExitCodes() {}
}
