package dev.runbook.exec;

import java.util.List;

/**
 * What a WebSocket probe saw.
 *
 * @param error          why it could not connect, or null
 * @param firstMessageMs milliseconds from connecting to the first message, -1 when none came
 * @param matched        the awaited message arrived
 */
public record WebSocketResult(boolean connected, String error, List<String> messages, long firstMessageMs,
                              boolean matched, String matchedMessage, long durationMs, Integer closeCode) {
    public WebSocketResult {
        messages = List.copyOf(messages);
    }
}
