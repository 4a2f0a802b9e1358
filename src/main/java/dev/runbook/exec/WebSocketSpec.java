package dev.runbook.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A rendered WebSocket probe.
 *
 * @param send    text frames to send once connected
 * @param matches whether a received message is the one awaited
 */
public record WebSocketSpec(String url, Map<String, String> headers, List<String> send, Predicate<String> matches,
                            Duration timeout, boolean verifyTls, Path caFile) {
    public WebSocketSpec {
        headers = Map.copyOf(headers);
        send = List.copyOf(send);
    }
}
