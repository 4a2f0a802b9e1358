package dev.runbook.engine;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A runbook's {@code max_failures} over its whole run: the hosts that failed so far, at any step
 * and in any batch, against how many may. A step with its own {@code max_failures} counts its own
 * failures instead ({@link Interpreter}).
 */
final class FailureBudget {
    private final int allowed;
    private final Set<String> failed = ConcurrentHashMap.newKeySet();

    FailureBudget(int allowed) {
        this.allowed = allowed;
    }

    int allowed() {
        return allowed;
    }

    /** Hosts that failed so far. */
    int failed() {
        return failed.size();
    }

    /** Counts these hosts as failed (each once); returns how many failed in all. */
    int add(Collection<String> hosts) {
        failed.addAll(hosts);
        return failed.size();
    }

    /** A block's rescue put these hosts right: they no longer count. */
    void forgive(Collection<String> hosts) {
        failed.removeAll(hosts);
    }

    boolean exceeded() {
        return failed.size() > allowed;
    }
}
