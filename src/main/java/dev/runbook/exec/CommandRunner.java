package dev.runbook.exec;

/**
 * Runs commands on one target. One runner per host per run: a remote runner keeps its one
 * connection open between steps.
 */
public interface CommandRunner extends AutoCloseable {

    /**
     * Runs a command to completion (or its timeout, or cancellation), streaming its output.
     *
     * @throws UnreachableException when the target cannot be reached at all
     */
    ExecResult run(Command command, OutputListener output, Cancellation cancel) throws UnreachableException;

    /** Whether commands run on this machine. */
    boolean local();

    @Override
    void close();
}
