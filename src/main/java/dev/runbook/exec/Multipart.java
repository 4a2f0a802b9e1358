package dev.runbook.exec;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** A multipart/form-data body whose files are streamed from disk, never held in memory. */
final class Multipart {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final String boundary;
    private final HttpRequest.BodyPublisher publisher;

    private Multipart(String boundary, HttpRequest.BodyPublisher publisher) {
        this.boundary = boundary;
        this.publisher = publisher;
    }

    static Multipart of(Map<String, String> form, Map<String, Path> files) throws IOException {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        String boundary = "runbook-" + HexFormat.of().formatHex(nonce);
        List<HttpRequest.BodyPublisher> parts = new ArrayList<>();
        for (Map.Entry<String, String> f : form.entrySet()) {
            parts.add(text("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + escape(f.getKey()) + "\"\r\n\r\n"
                    + f.getValue() + "\r\n"));
        }
        for (Map.Entry<String, Path> f : files.entrySet()) {
            Path p = f.getValue();
            if (!Files.isRegularFile(p)) {
                throw new IOException(p + ": no such file");
            }
            parts.add(text("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + escape(f.getKey())
                    + "\"; filename=\"" + escape(p.getFileName().toString()) + "\"\r\nContent-Type: application/octet-stream\r\n\r\n"));
            parts.add(HttpRequest.BodyPublishers.ofFile(p));
            parts.add(text("\r\n"));
        }
        parts.add(text("--" + boundary + "--\r\n"));
        return new Multipart(boundary, HttpRequest.BodyPublishers.concat(parts.toArray(HttpRequest.BodyPublisher[]::new)));
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    HttpRequest.BodyPublisher publisher() {
        return publisher;
    }

    private static HttpRequest.BodyPublisher text(String s) {
        return HttpRequest.BodyPublishers.ofByteArray(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String escape(String s) {
        return s.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }
}
