package dev.runbook.audit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Why an audit file could not be read, in a user's words: a directory, no permission, not text. */
public final class AuditFiles {
    private AuditFiles() {}

    /** The one-line reason {@code file} could not be read, given what reading it threw. */
    public static String whyUnreadable(Path file, IOException e) {
        if (Files.isDirectory(file)) {
            return file + " is a directory, not an audit file";
        }
        if (e instanceof AccessDeniedException) {
            return "cannot read " + file + ": permission denied";
        }
        if (e instanceof CharacterCodingException) {
            long line = firstInvalidLine(file);
            return file + " is not an audit trail: not readable text (invalid UTF-8" + (line > 0 ? " at line " + line : "") + ")";
        }
        return "cannot read the audit trail " + file + ": " + e.getMessage();
    }

    /** The number of the first line of {@code file} that is not valid UTF-8; 0 when every line is (or it cannot be read). */
    public static long firstInvalidLine(Path file) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long number = 1;
            int b;
            while ((b = in.read()) >= 0) {
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                if (!valid(utf8, line)) {
                    return number;
                }
                line.reset();
                number++;
            }
            return valid(utf8, line) ? 0 : number;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Whether {@code bytes} (from {@code offset}, {@code length} of them) are valid UTF-8. */
    static boolean isUtf8(byte[] bytes, int offset, int length) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            utf8.decode(ByteBuffer.wrap(bytes, offset, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean valid(CharsetDecoder utf8, ByteArrayOutputStream line) {
        try {
            utf8.reset().decode(ByteBuffer.wrap(line.toByteArray()));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
