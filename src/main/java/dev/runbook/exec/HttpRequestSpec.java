package dev.runbook.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A rendered HTTP request.
 *
 * @param body    the request body, or null
 * @param caFile  PEM certificates to trust instead of the system's, or null
 */
public record HttpRequestSpec(String url, String method, Map<String, String> headers, String body,
                              Duration timeout, boolean verifyTls, Path caFile, boolean followRedirects) {
    public HttpRequestSpec {
        headers = Map.copyOf(headers);
    }
}
