package dev.runbook.exec;

/**
 * What a command did.
 *
 * @param exitCode  the exit status; -1 when killed or never started
 * @param timedOut  killed because its timeout passed
 * @param cancelled killed because the run was interrupted
 * @param stdout    the captured tail of standard output
 * @param truncated whether the head of stdout was dropped to bound memory
 */
public record ExecResult(int exitCode, boolean timedOut, boolean cancelled, String stdout, String stderr,
                         boolean truncated, long durationMs) {

    public boolean ok() {
        return exitCode == 0 && !timedOut && !cancelled;
    }
}
