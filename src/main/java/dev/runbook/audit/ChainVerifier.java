package dev.runbook.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
        AuditHead.Mark head = AuditHead.read(AuditHead.of(file));
        try (FileChannel ch = FileChannel.open(file)) {
            long size = ch.size();
            endsWithNewline = size == 0 || endsWithNewline(ch, size);
            Report chain = verify(lines, endsWithNewline);
            if (!chain.intact() || head == null || head.heldBy(ch, size)) {
                return chain;
            }
            return new Report(chain.events(), lines.size() + 1L, "events were cut off the end: " + AuditHead.describe(head, size)
                    + " (or the head file was replaced)", chain.notes());
        }
    }

    private static boolean endsWithNewline(FileChannel ch, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, size - 1);
        return b.get(0) == '\n';
    }

    static Report verify(List<String> lines, boolean endsWithNewline) {
        String prev = AuditCodec.GENESIS;
        long events = 0;
        long cutLine = 0;
        String cutProblem = null;
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
                return broken(events, lineNo, line.isBlank() ? "blank line" : "not an audit event", notes, cutLine, cutProblem);
            }
            String storedPrev = n.path("prev").asText(null);
            if (!prev.equals(storedPrev)) {
                return broken(events, lineNo, "chain broken: 'prev' does not match the previous event's hash "
                        + "(a line was removed, inserted or reordered before this one)", notes, cutLine, cutProblem);
            }
            String hash = n.get("hash").asText();
            if (!hash.equals(AuditCodec.recompute(n))) {
                return broken(events, lineNo, "content altered: the hash does not match the line", notes, cutLine, cutProblem);
            }
            prev = hash;
            events++;
            if ("audit.truncated".equals(n.path("type").asText())) {
                // the chain goes on valid past a recorded cut: check the rest, then report the first cut
                JsonNode d = n.path("data");
                String cut = "events were cut off the end before this line: a writer found the file at "
                        + d.path("size").asLong() + " bytes no longer holding the durable event its head recorded (hash "
                        + abbreviate(d.path("head_hash").asText("unreadable")) + ", ending at byte " + d.path("head_size").asLong()
                        + ") and recorded the cut here";
                if (cutLine == 0) {
                    cutLine = lineNo;
                    cutProblem = cut;
                } else {
                    notes.add("line " + lineNo + ": " + cut);
                }
            }
        }
        return cutLine == 0 ? new Report(events, 0, null, notes) : new Report(events, cutLine, cutProblem, notes);
    }

    /** The first break in line order; a recorded cut before it is reported first, the break as a note. */
    private static Report broken(long events, long line, String problem, List<String> notes, long cutLine, String cutProblem) {
        if (cutLine == 0) {
            return new Report(events, line, problem, notes);
        }
        notes.add("line " + line + ": " + problem);
        return new Report(events, cutLine, cutProblem, notes);
    }

    private static String abbreviate(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) + "…" : hash;
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
