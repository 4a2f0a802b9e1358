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

    @Override
    void close();
}
