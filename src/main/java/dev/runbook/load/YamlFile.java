package dev.runbook.load;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads one YAML file into a node tree with positions, refusing what could hurt before the
 * composer sees it: oversized files, invalid UTF-8, tabs in indentation, absurd nesting and alias
 * bombs are all bounded here, in time and memory.
 */
public final class YamlFile {
    public static final int MAX_BYTES = 1 << 20;
    static final int MAX_DEPTH = 64;
    static final int MAX_ALIASES = 64;

    private final String label;
    private final String text;
    private final String sha256;

    private YamlFile(String label, String text, String sha256) {
        this.label = label;
        this.text = text;
        this.sha256 = sha256;
    }

    public String label() {
        return label;
    }

    public String sha256() {
        return sha256;
    }

    public String text() {
        return text;
    }

    /**
     * Reads and decodes a file. Problems are added to {@code out}; the result is empty when the
     * file cannot be used at all.
     */
    public static Optional<YamlFile> read(Path path, String label, List<Diagnostic> out) {
        SourcePos top = new SourcePos(label, 1, 1);
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                out.add(Diagnostic.error(top, "file is " + size + " bytes; the limit is " + MAX_BYTES));
                return Optional.empty();
            }
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            out.add(Diagnostic.error(new SourcePos(label, 0, 0), "cannot read: " + describe(e)));
            return Optional.empty();
        }
        return fromBytes(bytes, label, out);
    }

    public static Optional<YamlFile> fromBytes(byte[] bytes, String label, List<Diagnostic> out) {
        Optional<String> text = decode(bytes, label, out);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String s = text.get();
        if (s.startsWith("\uFEFF")) {
            s = s.substring(1);
        }
        if (s.isBlank() || s.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
            out.add(Diagnostic.error(new SourcePos(label, 1, 1), "the file is empty"));
            return Optional.empty();
        }
        if (!checkTabs(s, label, out)) {
            return Optional.empty();
        }
        return Optional.of(new YamlFile(label, s, sha256(bytes)));
    }

    private static Optional<String> decode(byte[] bytes, String label, List<Diagnostic> out) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return Optional.of(decoder.decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            int bad = firstInvalidUtf8(bytes);
            out.add(Diagnostic.error(positionOfByte(bytes, bad, label), "invalid UTF-8 (byte 0x"
                    + String.format("%02x", bytes[bad] & 0xff) + " at offset " + bad + ")"));
            return Optional.empty();
        }
    }

    private static int firstInvalidUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer buf = java.nio.CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, buf, true);
        return result.isError() ? in.position() : 0;
    }

    private static SourcePos positionOfByte(byte[] bytes, int index, String label) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < index; i++) {
            if (bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        String prefix = new String(bytes, lineStart, index - lineStart, StandardCharsets.UTF_8);
        return new SourcePos(label, line, prefix.codePointCount(0, prefix.length()) + 1);
    }

    private static boolean checkTabs(String s, String label, List<Diagnostic> out) {
        int line = 1;
        boolean ok = true;
        for (String l : s.split("\n", -1)) {
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                if (c == '\t') {
                    out.add(Diagnostic.error(new SourcePos(label, line, i + 1),
                            "tab character in indentation; YAML indents with spaces"));
                    ok = false;
                    break;
                }
                if (c != ' ' && c != '-') {
                    break;
                }
            }
            line++;
        }
        return ok;
    }

    /** Composes the node tree; syntax errors, depth and alias limits become diagnostics. */
    public Optional<Node> compose(List<Diagnostic> out) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(label)
                .setSchema(new CoreSchema())
                .setAllowDuplicateKeys(false)
                .setAllowRecursiveKeys(false)
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setCodePointLimit(MAX_BYTES)
                .setUseMarks(true)
                .build();
        try {
            if (!checkStructure(settings, out)) {
                return Optional.empty();
            }
            Iterable<Node> docs = new Compose(settings).composeAllFromString(text);
            Node first = null;
            for (Node node : docs) {
                if (first != null) {
                    out.add(Diagnostic.error(pos(node), "only one YAML document is allowed per file"));
                    return Optional.empty();
                }
                first = node;
            }
            if (first == null) {
                out.add(Diagnostic.error(new SourcePos(label, 1, 1), "the file is empty"));
            }
            return Optional.ofNullable(first);
        } catch (MarkedYamlEngineException e) {
            String hint = String.valueOf(e.getProblem()).contains("mapping values are not allowed")
                    ? "a ': ' inside an unquoted value starts a mapping: put the whole value in quotes" : null;
            out.add(Diagnostic.error(markPos(e.getProblemMark().or(e::getContextMark)), syntaxMessage(e), hint));
        } catch (YamlEngineException e) {
            out.add(Diagnostic.error(new SourcePos(label, 1, 1), "YAML: " + e.getMessage().lines().findFirst().orElse("")));
        }
        return Optional.empty();
    }

    /** A streaming pass over the events: nesting depth and alias count are bounded before composing. */
    private boolean checkStructure(LoadSettings settings, List<Diagnostic> out) {
        int depth = 0;
        int aliases = 0;
        for (Event event : new Parse(settings).parseString(text)) {
            switch (event.getEventId()) {
                case MappingStart, SequenceStart -> {
                    if (++depth > MAX_DEPTH) {
                        out.add(Diagnostic.error(markPos(event.getStartMark()),
                                "nesting deeper than " + MAX_DEPTH + " levels"));
                        return false;
                    }
                }
                case MappingEnd, SequenceEnd -> depth--;
                case Alias -> {
                    if (++aliases > MAX_ALIASES) {
                        out.add(Diagnostic.error(markPos(((AliasEvent) event).getStartMark()),
                                "more than " + MAX_ALIASES + " aliases (an alias bomb?)"));
                        return false;
                    }
                }
                default -> { }
            }
        }
        return true;
    }

    private String syntaxMessage(MarkedYamlEngineException e) {
        String problem = e.getProblem() == null ? "syntax error" : e.getProblem();
        String context = e.getContext();
        String msg = "YAML syntax: " + problem.replace('\n', ' ').trim();
        if (context != null && !context.isBlank()) {
            msg += " (" + context.replace('\n', ' ').trim() + ")";
        }
        return msg;
    }

    SourcePos markPos(Optional<Mark> mark) {
        return mark.map(m -> new SourcePos(label, m.getLine() + 1, m.getColumn() + 1))
                .orElse(new SourcePos(label, 1, 1));
    }

    SourcePos pos(Node node) {
        return markPos(node.getStartMark());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            // the reason alone: the file is already named at the start of the line
            return fs.getReason().contains("symbolic links") ? "symbolic links in a loop" : fs.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
