package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class FramedInputTest {
    private static final String M = "runbook-0123456789abcdef01234567";

    /** Delivers the bytes in pieces of {@code chunk}, as a channel might. */
    private static InputStream chunked(String text, int chunk) {
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            int pos;

            @Override
            public int read() {
                return pos < all.length ? all[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= all.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, chunk), all.length - pos);
                System.arraycopy(all, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    private static String drain(FramedInput in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[5];
        int n;
        while ((n = in.read(buf, 0, buf.length)) > 0) {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 64, 8192})
    void givesTheStepsOutputAndTheEndLinesTrailerWhateverThePiecesItArrivesIn(int chunk) throws IOException {
        String stream = "a\n\nb\nno newline at the end\n" + M + " 3\n";
        FramedInput in = new FramedInput(chunked(stream, chunk), M);

        assertThat(drain(in)).isEqualTo("a\n\nb\nno newline at the end");
        assertThat(in.trailer()).isEqualTo("3");
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void keepsTheLastNewlineOfOutputThatHadOne() throws IOException {
        FramedInput in = new FramedInput(chunked("out\n\n" + M + " 0\n", 1), M);

        assertThat(drain(in)).isEqualTo("out\n");
        assertThat(in.trailer()).isEqualTo("0");
    }

    @Test
    void anEmptyStepIsJustTheEndLine() throws IOException {
        FramedInput in = new FramedInput(chunked("\n" + M + " 0 left\n", 4), M);

        assertThat(drain(in)).isEmpty();
        assertThat(in.trailer()).isEqualTo("0 left");
    }

    @Test
    void passesOnLinesThatOnlyLookLikeAnEndLine() throws IOException {
        String other = "runbook-ffffffffffffffffffffffff";
        String output = "x\n" + other + " 0\n" + M + "\n" + M.substring(0, 20) + "\n" + M + "0\n";
        FramedInput in = new FramedInput(chunked(output + "\n" + M + " 1\n", 3), M);

        assertThat(drain(in)).isEqualTo(output);
        assertThat(in.trailer()).isEqualTo("1");
    }

    @Test
    void endsWithoutATrailerWhenTheStreamEndsFirst() throws IOException {
        FramedInput in = new FramedInput(chunked("partial\n" + M.substring(0, 10), 2), M);

        assertThat(drain(in)).isEqualTo("partial\n" + M.substring(0, 10));
        assertThat(in.trailer()).isNull();
    }

    @Test
    void leavesWhatFollowsTheEndLineUnread() throws IOException {
        InputStream shared = chunked("one\n" + M + " 0\n", 100);
        FramedInput first = new FramedInput(shared, M);

        assertThat(drain(first)).isEqualTo("one");
        first.close();
        assertThat(shared.read()).as("the shared stream stays open").isEqualTo(-1);
    }

    @Test
    void refusesAnEndLineThatNeverEnds() {
        FramedInput in = new FramedInput(chunked("\n" + M + " " + "9".repeat(500), 50), M);

        assertThatThrownBy(() -> drain(in)).isInstanceOf(IOException.class).hasMessageContaining("malformed");
    }

    @Test
    void carriesMegabytesThroughInBoundedMemory() throws IOException {
        String line = "0123456789".repeat(10) + "\n";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            sb.append(line);
        }
        FramedInput in = new FramedInput(chunked(sb + "\n" + M + " 0\n", 4096), M);

        long total = 0;
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf, 0, buf.length)) > 0) {
            total += n;
        }
        assertThat(total).isEqualTo(sb.length());
        assertThat(in.trailer()).isEqualTo("0");
    }
}
