package dev.runbook.engine;

/**
 * Decides a confirmation gate. Implementations may block waiting for a person; the engine calls
 * one gate at a time.
 */
public interface Gate {

    /**
     * @param word when non-null, the person must type this word, not just {@code y}
     */
    record Request(String runbook, String stepId, String host, String prompt, String word) {}

    /**
     * @param via how the decision reached the run: tty, flag, schedule, rule
     */
    record Decision(boolean approved, String user, String via, String reason) {
        public static Decision approve(String user, String via) {
            return new Decision(true, user, via, null);
        }

        public static Decision deny(String user, String via, String reason) {
            return new Decision(false, user, via, reason);
        }
    }

    Decision ask(Request request);
}
