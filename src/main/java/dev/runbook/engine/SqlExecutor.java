package dev.runbook.engine;

import dev.runbook.exec.Cancellation;
import dev.runbook.model.Target;
import java.time.Duration;
import java.util.List;

/** Runs SQL statements on named connections. One per run; connections are kept for the run. */
public interface SqlExecutor extends AutoCloseable {

    /**
     * @param binds values for the statement's {@code ?} parameters, in order
     * @return the step's result: rows, row count, or the error with its SQLSTATE
     */
    StepResult execute(Target host, String database, String statement, List<Object> binds, Duration timeout,
                       boolean transaction, Cancellation cancel);

    /**
     * Notices about a connection worth giving before the run (a password too short to mask well).
     * Reads the password without connecting; a connection that cannot be resolved gives none here:
     * its step reports the problem.
     */
    default List<String> notices(Target host, String database) {
        return List.of();
    }

    /**
     * Why a statement on {@code database} of {@code host} could not run, whatever the server would
     * say: no such connection configured, or its settings malformed; null when nothing is known
     * against it. Connects to nothing: a plan asks it to mark a step that would fail.
     *
     * @param database the step's {@code database:}, or null for the only one configured
     */
    default String problem(Target host, String database) {
        return null;
    }

    @Override
    void close();
}
