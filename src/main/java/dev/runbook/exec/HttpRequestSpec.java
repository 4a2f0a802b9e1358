package dev.runbook.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A rendered HTTP request.
 *
 * @param body    the request body, or null
 * @param caFile  PEM certificates to trust instead of the system's, or null
 * @param form    multipart text fields; with {@code files}, the body is multipart/form-data
 * @param files   multipart file fields, streamed from disk
 */
public record HttpRequestSpec(String url, String method, Map<String, String> headers, String body,
                              Duration timeout, boolean verifyTls, Path caFile, boolean followRedirects,
                              Map<String, String> form, Map<String, Path> files) {
    public HttpRequestSpec {
        headers = Map.copyOf(headers);
        form = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(form));
        files = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(files));
    }
}
