package dev.runbook.exec;

import java.util.Map;

/**
 * An HTTP response, or the reason there was none.
 *
 * @param status  0 when no response arrived
 * @param error   why there was no response (refused, timed out, TLS), or null
 * @param bytesSent the request body's size
 */
public record HttpResult(int status, String body, Map<String, String> headers, String error, long durationMs,
                         boolean timedOut, long bytesSent) {}
