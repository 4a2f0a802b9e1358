package dev.runbook.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Checks an audit file's hash chain line by line. Editing, removing or reordering a line breaks
 * the chain at that line. A line torn by a crash is told apart: it is the last line, or the writer
 * recorded it with an {@code audit.torn} event right after.
 */
public final class ChainVerifier {

    /**
     * @param events       events whose hash and link verified
     * @param breakLine    the first line where the chain breaks, 0 when intact
     * @param problem      what is wrong at {@code breakLine}
     * @param notes        torn lines and other things that are not tampering
     * @param headLine     the line of the newest event verified, 0 when none (or broken)
     * @param headHash     that event's hash
     * @param expectedLine the line of the first event whose hash starts with the one expected, 0 when none
     */
    public record Report(long events, long breakLine, String problem, List<String> notes, long headLine, String headHash,
                         long expectedLine) {
        Report(long events, long breakLine, String problem, List<String> notes) {
            this(events, breakLine, problem, notes, 0, null, 0);
        }

        public boolean intact() {
            return breakLine == 0;
        }
    }

    private ChainVerifier() {}

    /**
     * Verifies a file line by line, holding two lines at a time: a trail of any length needs no
     * more memory than its longest line.
     */
    public static Report verify(Path file) throws IOException {
        return verify(file, null);
    }

    /**
     * As {@link #verify(Path)}, also looking for a hash noted earlier (an anchor kept outside the
     * state directory): a chain recomputed after an edit before it no longer holds it.
     *
     * @param expect the start of that hash, lower case; null to look for none
     */
    public static Report verify(Path file, String expect) throws IOException {
        AuditHead.Mark head = AuditHead.read(AuditHead.of(file));
        try (FileChannel ch = FileChannel.open(file);
             BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long size = ch.size();
            Lines lines = new Lines(r::readLine);
            Report chain = verify(lines, size == 0 || endsWithNewline(ch, size), expect);
            if (!chain.intact() || head == null || head.heldBy(ch, size)) {
                return chain;
            }
            return new Report(chain.events(), lines.count + 1, "events were cut off the end: " + AuditHead.describe(head, size)
                    + " (or the head file was replaced)", chain.notes());
        }
    }

    private static boolean endsWithNewline(FileChannel ch, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, size - 1);
        return b.get(0) == '\n';
    }

    static Report verify(List<String> lines, boolean endsWithNewline) {
        Iterator<String> it = lines.iterator();
        try {
            return verify(new Lines(() -> it.hasNext() ? it.next() : null), endsWithNewline, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the lines come from: the next one, or null at the end. */
    private interface Source {
        String next() throws IOException;
    }

    /** Lines with the one after the current in view, for the torn-line check; counts what it hands out. */
    private static final class Lines {
        private final Source source;
        private String following;
        private boolean started;
        long count;

        Lines(Source source) {
            this.source = source;
        }

        String next() throws IOException {
            String line = started ? following : source.next();
            started = true;
            following = line == null ? null : source.next();
            if (line != null) {
                count++;
            }
            return line;
        }

        /** The line after the one {@link #next} returned last; null when that one was the last. */
        String following() {
            return following;
        }
    }

    private static Report verify(Lines lines, boolean endsWithNewline, String expect) throws IOException {
        String prev = AuditCodec.GENESIS;
        long events = 0;
        long headLine = 0;
        long expectedLine = 0;
        long cutLine = 0;
        String cutProblem = null;
        List<String> notes = new ArrayList<>();
        String line;
        while ((line = lines.next()) != null) {
            long lineNo = lines.count;
            String asWritten = hashAsWritten(line, prev);
            if (asWritten != null) {
                prev = asWritten;
                events++;
                headLine = lineNo;
                expectedLine = expectedLine == 0 && expect != null && prev.startsWith(expect) ? lineNo : expectedLine;
                continue;
            }
            ObjectNode n = AuditCodec.parse(line);
            if (n == null || !n.hasNonNull("hash")) {
                boolean last = lines.following() == null;
                if (last && !endsWithNewline) {
                    notes.add("line " + lineNo + ": incomplete last line (" + line.length()
                            + " bytes), left by a crash during a write; not tampering");
                    continue;
                }
                if (isRecordedTear(lines.following(), lineNo, line)) {
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
            headLine = lineNo;
            expectedLine = expectedLine == 0 && expect != null && prev.startsWith(expect) ? lineNo : expectedLine;
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
        return cutLine == 0 ? new Report(events, 0, null, notes, headLine, prev, expectedLine)
                : new Report(events, cutLine, cutProblem, notes);
    }

    private static final String CUT_TYPE = "\"type\":\"audit.truncated\"";

    /**
     * The line's hash when its bytes are exactly what a writer hashed, linked to {@code prev}, and it
     * is not a recorded cut; null sends it to the full check, which parses and re-encodes it (a line
     * reformatted after the fact, a break, a torn line, a cut). Every intact line passes here, at a
     * fraction of the cost of decoding and re-encoding it.
     */
    private static String hashAsWritten(String line, String prev) {
        return line.contains(CUT_TYPE) ? null : EventText.verifiedHash(line, prev);
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

    private static boolean isRecordedTear(String next, long lineNo, String fragment) {
        if (next == null) {
            return false;
        }
        ObjectNode n = AuditCodec.parse(next);
        return n != null && "audit.torn".equals(n.path("type").asText())
                && n.path("data").path("line").asLong() == lineNo
                && AuditCodec.sha256(fragment).equals(n.path("data").path("sha256").asText());
    }
}
