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
     * @param via      how the decision reached the run: tty, flag, schedule, rule
     * @param attempts how many times a word was typed for a typed-word gate; 0 when none was asked for
     */
    record Decision(boolean approved, String user, String via, String reason, int attempts) {
        public static Decision approve(String user, String via) {
            return new Decision(true, user, via, null, 0);
        }

        public static Decision deny(String user, String via, String reason) {
            return new Decision(false, user, via, reason, 0);
        }

        public Decision withAttempts(int n) {
            return new Decision(approved, user, via, reason, n);
        }
    }

    Decision ask(Request request);
}
