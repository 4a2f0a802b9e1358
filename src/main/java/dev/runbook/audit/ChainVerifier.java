package dev.runbook.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks an audit file's hash chain line by line. Editing, removing or reordering a line breaks
 * the chain at that line. A line torn by a crash is told apart: it is the last line, or the writer
 * recorded it with an {@code audit.torn} event right after.
 */
public final class ChainVerifier {

    /**
     * @param events     events whose hash and link verified
     * @param breakLine  the first line where the chain breaks, 0 when intact
     * @param problem    what is wrong at {@code breakLine}
     * @param notes      torn lines and other things that are not tampering
     */
    public record Report(long events, long breakLine, String problem, List<String> notes) {
        public boolean intact() {
            return breakLine == 0;
        }
    }

    private ChainVerifier() {}

    public static Report verify(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean endsWithNewline;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String l;
            while ((l = r.readLine()) != null) {
                lines.add(l);
            }
        }
        long size = Files.size(file);
        endsWithNewline = size == 0 || endsWithNewline(file, size);
        return verify(lines, endsWithNewline);
    }

    private static boolean endsWithNewline(Path file, long size) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, size - 1);
            return b.get(0) == '\n';
        }
    }

    static Report verify(List<String> lines, boolean endsWithNewline) {
        String prev = AuditCodec.GENESIS;
        long events = 0;
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            long lineNo = i + 1;
            String line = lines.get(i);
            ObjectNode n = AuditCodec.parse(line);
            if (n == null || !n.hasNonNull("hash")) {
                boolean last = i == lines.size() - 1;
                if (last && !endsWithNewline) {
                    notes.add("line " + lineNo + ": incomplete last line (" + line.length()
                            + " bytes), left by a crash during a write; not tampering");
                    continue;
                }
                if (isRecordedTear(lines, i, line)) {
                    notes.add("line " + lineNo + ": torn by a crash during a write, recorded by the next event");
                    continue;
                }
                return new Report(events, lineNo, line.isBlank() ? "blank line" : "not an audit event", notes);
            }
            String storedPrev = n.path("prev").asText(null);
            if (!prev.equals(storedPrev)) {
                return new Report(events, lineNo, "chain broken: 'prev' does not match the previous event's hash "
                        + "(a line was removed, inserted or reordered before this one)", notes);
            }
            String hash = n.get("hash").asText();
            if (!hash.equals(AuditCodec.recompute(n))) {
                return new Report(events, lineNo, "content altered: the hash does not match the line", notes);
            }
            prev = hash;
            events++;
        }
        return new Report(events, 0, null, notes);
    }

    private static boolean isRecordedTear(List<String> lines, int i, String fragment) {
        if (i + 1 >= lines.size()) {
            return false;
        }
        ObjectNode next = AuditCodec.parse(lines.get(i + 1));
        return next != null && "audit.torn".equals(next.path("type").asText())
                && next.path("data").path("line").asLong() == i + 1
                && AuditCodec.sha256(fragment).equals(next.path("data").path("sha256").asText());
    }
}
