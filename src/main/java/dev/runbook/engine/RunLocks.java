package dev.runbook.engine;

/**
 * Keeps two runs of the same runbook on the same targets apart. A lease ends with the run, or
 * with its process: a holder that died never blocks the next run.
 */
public interface RunLocks {

    /** Who holds a lock. */
    record Holder(long pid, String user, String machine, String startedAt, String runId) {
        @Override
        public String toString() {
            return "run " + runId + " (pid " + pid + " on " + machine + ", user " + user + ", started " + startedAt + ")";
        }
    }

    /** A held lock. */
    interface Lease extends AutoCloseable {
        /** The holder that died without releasing the lock, when this lease took it over; else null. */
        Holder takenOverFrom();

        @Override
        void close();
    }

    /** @throws LockedException when another live run holds the lock */
    Lease acquire(String runbook, String targetKey, Holder me);
}
