package dev.runbook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A file's lines read back from the end come out as reading it forwards gives them, reversed, whatever the block size. */
class ReverseLinesTest {
    @TempDir
    Path dir;

    private List<String> backwards(String content, int block) throws IOException {
        Path f = dir.resolve("lines-" + block + "-" + content.length() + ".txt");
        Files.writeString(f, content, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        try (ReverseLines lines = new ReverseLines(f, block)) {
            String line;
            while ((line = lines.next()) != null) {
                out.add(line);
            }
        }
        return out;
    }

    private static List<String> forwardsReversed(String content) {
        List<String> lines = new ArrayList<>(content.lines().filter(l -> !l.isEmpty()).toList());
        Collections.reverse(lines);
        return lines;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 64, ReverseLines.BLOCK})
    void linesComeOutLastFirstWithMultiByteCharactersAcrossBlocks(int block) throws IOException {
        String content = "{\"a\":1}\nstep ✓ 재시작 done\n\n" + "긴 줄 ".repeat(500) + "\nlast line, no newline";
        assertThat(backwards(content, block)).isEqualTo(forwardsReversed(content))
                .first().isEqualTo("last line, no newline");

        String endsWithNewline = "one\ntwo\n";
        assertThat(backwards(endsWithNewline, block)).containsExactly("two", "one");
        assertThat(backwards("", block)).isEmpty();
        assertThat(backwards("\n\n", block)).isEmpty();
    }
}
