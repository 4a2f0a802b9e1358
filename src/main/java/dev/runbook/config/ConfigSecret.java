package dev.runbook.config;

import dev.runbook.model.InvalidInputException;
import dev.runbook.model.SourcePos;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A secret the configuration refers to: {@code env:NAME}, {@code file:/path} (read when needed,
 * trailing newline dropped), or a value given by an environment variable such as
 * {@code RUNBOOK_AUDIT_PASSWORD}. Its value is never kept in the configuration, never printed:
 * {@link #toString()} names where it comes from.
 */
public final class ConfigSecret {
    /** Where a secret comes from. */
    public enum Source { ENV, FILE, VALUE }

    static final long MAX_FILE_BYTES = 64 * 1024;

    private final Source source;
    private final String location;
    private final SourcePos pos;
    private final String value;

    private ConfigSecret(Source source, String location, SourcePos pos, String value) {
        this.source = source;
        this.location = location;
        this.pos = pos;
        this.value = value;
    }

    /** {@code env:NAME} or {@code file:/path}; null when {@code text} is neither. */
    static ConfigSecret parse(String text, SourcePos pos, Path home) {
        if (text.startsWith("env:") && text.substring(4).matches("[A-Za-z_][A-Za-z0-9_]*")) {
            return new ConfigSecret(Source.ENV, text.substring(4), pos, null);
        }
        if (text.startsWith("file:") && text.length() > 5) {
            String path = text.substring(5);
            if (path.startsWith("~/")) {
                path = home.resolve(path.substring(2)).toString();
            }
            return new ConfigSecret(Source.FILE, path, pos, null);
        }
        return null;
    }

    /** A value handed over directly by the environment variable {@code variable}. */
    static ConfigSecret fromVariable(String variable, String value) {
        return new ConfigSecret(Source.VALUE, variable, new SourcePos(variable, 0, 0), value);
    }

    public Source source() {
        return source;
    }

    /** Where the diagnostic for a missing secret points. */
    public SourcePos pos() {
        return pos;
    }

    /**
     * Reads the secret.
     *
     * @throws InvalidInputException naming the variable or file (never a value) when it cannot be read
     */
    public String resolve(Map<String, String> env) {
        switch (source) {
            case VALUE:
                return value;
            case ENV: {
                String v = env.get(location);
                if (v == null) {
                    throw problem("environment variable " + location + " is not set");
                }
                return v;
            }
            default: {
                Path p = Path.of(location);
                try {
                    if (Files.size(p) > MAX_FILE_BYTES) {
                        throw problem(location + " is larger than " + MAX_FILE_BYTES + " bytes: not a password file");
                    }
                    String s = Files.readString(p, StandardCharsets.UTF_8);
                    return s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
                } catch (java.nio.file.NoSuchFileException e) {
                    throw problem("cannot read " + location + ": no such file");
                } catch (java.nio.file.AccessDeniedException e) {
                    throw problem("cannot read " + location + ": permission denied");
                } catch (IOException e) {
                    throw problem("cannot read " + location + ": " + e.getMessage());
                }
            }
        }
    }

    private InvalidInputException problem(String message) {
        String what = "audit.password (" + this + "): " + message;
        return pos.line() == 0 ? InvalidInputException.usage(what) : new InvalidInputException(pos, what);
    }

    /** Where the secret comes from, never its value. */
    @Override
    public String toString() {
        return switch (source) {
            case ENV -> "env:" + location;
            case FILE -> "file:" + location;
            case VALUE -> location;
        };
    }
}
