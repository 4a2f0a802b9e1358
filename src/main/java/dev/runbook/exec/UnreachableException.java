package dev.runbook.exec;

/** The target could not be reached: no connection, authentication refused, host key rejected. */
public class UnreachableException extends Exception {
    public UnreachableException(String message) {
        super(message);
    }

    public UnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
