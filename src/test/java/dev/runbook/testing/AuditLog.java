package dev.runbook.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The audit file as JSON events, read the way a script reading the JSONL would. */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditLog() {}

    /** Every line that parses as a JSON object; other lines (torn ones) are skipped. */
    public static List<JsonNode> events(Path file) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines(file)) {
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && n.isObject()) {
                    out.add(n);
                }
            } catch (IOException e) {
                // not an event
            }
        }
        return out;
    }

    /** The events whose {@code type} is {@code type}. */
    public static List<JsonNode> ofType(Path file, String type) {
        return events(file).stream().filter(e -> type.equals(e.path("type").asText())).toList();
    }

    public static List<String> types(Path file) {
        return events(file).stream().map(e -> e.path("type").asText()).toList();
    }

    public static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
