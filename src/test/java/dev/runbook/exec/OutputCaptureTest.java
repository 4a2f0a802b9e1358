package dev.runbook.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a step's output looks like once it passes the limits: cuts are marked, kept output starts at a line. */
class OutputCaptureTest {
    private final List<String> lines = new ArrayList<>();

    private OutputCapture capture(String output, int limit) {
        OutputCapture c = new OutputCapture(new ByteArrayInputStream(output.getBytes(StandardCharsets.UTF_8)),
                OutputListener.Stream.STDOUT, (stream, line) -> lines.add(line), limit);
        c.run();
        return c;
    }

    @Test
    void aLineLongerThan64KiBIsShownCutAndSaysSo() {
        String longLine = "x".repeat(70_000);

        capture("before\n" + longLine + "\nafter\n", OutputCapture.STDOUT_LIMIT);

        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("before");
        assertThat(lines.get(1)).isEqualTo("x".repeat(64 << 10) + OutputCapture.CUT_END);
        assertThat(lines.get(2)).isEqualTo("after");
    }

    @Test
    void aCharacterCutInTwoAtTheLimitIsDroppedNotShownAsGarbage() {
        String line = "x".repeat((64 << 10) - 1) + "é" + "tail";

        capture(line + "\n", OutputCapture.STDOUT_LIMIT);

        assertThat(lines).containsExactly("x".repeat((64 << 10) - 1) + OutputCapture.CUT_END);
    }

    @Test
    void keptOutputPastTheLimitStartsAtALine() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            out.append("line ").append(i).append('\n');
        }

        OutputCapture c = capture(out.toString(), 256);

        assertThat(c.truncated()).isTrue();
        assertThat(c.text()).endsWith("line 99\n").matches("(?s)line \\d+\n.*");
        assertThat(c.text().length()).isLessThanOrEqualTo(256);
    }

    @Test
    void keptOutputWithNoLineStartSaysItWasCut() {
        OutputCapture c = capture("y".repeat(1000), 256);

        assertThat(c.text()).isEqualTo(OutputCapture.CUT_START + "y".repeat(256));
    }

    @Test
    void outputWithinTheLimitIsKeptAsItIs() {
        OutputCapture c = capture("a\nb", 256);

        assertThat(c.truncated()).isFalse();
        assertThat(c.text()).isEqualTo("a\nb");
        assertThat(lines).containsExactly("a", "b");
    }
}
