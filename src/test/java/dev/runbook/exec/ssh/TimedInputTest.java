package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The stream under a ProxyCommand or a ProxyJump tunnel: reads time out like a socket's, and its end is never lost. */
class TimedInputTest {

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void theEndOfTheStreamIsReadEvenWhenItCameWhileTheReaderWasBehind() throws Exception {
        byte[] data = new byte[9 * 32 * 1024 + 5];
        Arrays.fill(data, (byte) 'x');
        TimedInput in = new TimedInput(new ByteArrayInputStream(data), "timed-test");
        assertThat(in.read()).isEqualTo('x');
        Thread.sleep(300);  // the reader is behind: the read-ahead is full when the source ends

        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            byte[] buf = new byte[10_000];
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                rest.write(buf, 0, n);
            }
        });
        assertThat(rest.size()).isEqualTo(data.length - 1);
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void aReadTimesOutOnceATimeoutIsSetAndThenGoesOn() throws Exception {
        PipedOutputStream source = new PipedOutputStream();
        TimedInput in = new TimedInput(new PipedInputStream(source), "timed-test");
        in.timeout(200);

        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
        source.write('a');
        source.flush();
        assertThat(in.read()).isEqualTo('a');
        source.close();
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void closingEndsTheReadAheadThreadThoughNobodyReadsWhatItHolds() throws Exception {
        String name = "timed-test-" + UUID.randomUUID();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'y';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                Arrays.fill(b, off, off + len, (byte) 'y');
                return len;
            }
        };
        TimedInput in = new TimedInput(endless, name);
        Thread.sleep(200);  // the read-ahead fills up and its thread waits for room
        assertThat(threadAlive(name)).isTrue();

        in.close();

        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (threadAlive(name) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(threadAlive(name)).as("the read-ahead thread after close").isFalse();
    }
}
