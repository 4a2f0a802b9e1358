package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.Cancellation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** sudo's stderr as the handshake sees it, however the bytes are split into reads. */
class SudoHandshakeTest {
    private static final String PROMPT = "[runbook-sudo-0123]";
    private static final String STARTED = "runbook-marker";
    /** Threads of their own: the common pool may have one thread on a small machine, and both sides block. */
    private static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sudo-handshake-test");
        t.setDaemon(true);
        return t;
    });

    @Test
    void writesThePasswordAtTheFirstPromptAndPassesEverythingElseOn() throws Exception {
        PipedOutputStream sudo = new PipedOutputStream();
        SudoHandshake h = new SudoHandshake(new PipedInputStream(sudo, 1 << 16), PROMPT, STARTED);
        CompletableFuture<String> seen = drain(h);
        ByteArrayOutputStream stdin = new ByteArrayOutputStream();
        CompletableFuture<SudoHandshake.Outcome> outcome = CompletableFuture.supplyAsync(() -> await(h, stdin), THREADS);

        // the prompt arrives in pieces, the start line too, and the command's own output after it
        for (String piece : new String[] {"lecture\n[runbook-", "sudo-0", "123]", "runbook-mar", "ker\nout of the command\n"}) {
            sudo.write(piece.getBytes(StandardCharsets.UTF_8));
            sudo.flush();
            Thread.sleep(30);
        }
        sudo.close();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo(SudoHandshake.Outcome.STARTED);
        assertThat(stdin.toString(StandardCharsets.UTF_8)).isEqualTo("secret\n");
        assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("lecture\nout of the command\n");
    }

    @Test
    void aSecondPromptIsARefusalAndNothingMoreIsWritten() throws Exception {
        PipedOutputStream sudo = new PipedOutputStream();
        SudoHandshake h = new SudoHandshake(new PipedInputStream(sudo, 1 << 16), PROMPT, STARTED);
        CompletableFuture<String> seen = drain(h);
        ByteArrayOutputStream stdin = new ByteArrayOutputStream();
        CompletableFuture<SudoHandshake.Outcome> outcome = CompletableFuture.supplyAsync(() -> await(h, stdin), THREADS);

        sudo.write((PROMPT).getBytes(StandardCharsets.UTF_8));
        sudo.flush();
        Thread.sleep(50);
        sudo.write(("Sorry, try again.\n" + PROMPT).getBytes(StandardCharsets.UTF_8));
        sudo.flush();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo(SudoHandshake.Outcome.REFUSED);
        assertThat(stdin.toString(StandardCharsets.UTF_8)).isEqualTo("secret\n");
        sudo.write("sudo: 1 incorrect password attempt\n".getBytes(StandardCharsets.UTF_8));
        sudo.close();
        assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("Sorry, try again.\nsudo: 1 incorrect password attempt\n");
    }

    @Test
    void sudoEndingWithoutAPromptEndsTheHandshakeWithoutAPassword() throws Exception {
        InputStream refused = new java.io.ByteArrayInputStream("sudo: a password is required\n".getBytes(StandardCharsets.UTF_8));
        SudoHandshake h = new SudoHandshake(refused, PROMPT, STARTED);
        CompletableFuture<String> seen = drain(h);
        ByteArrayOutputStream stdin = new ByteArrayOutputStream();

        assertThat(await(h, stdin)).isEqualTo(SudoHandshake.Outcome.ENDED);
        assertThat(stdin.size()).isZero();
        assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("sudo: a password is required\n");
    }

    private static SudoHandshake.Outcome await(SudoHandshake h, ByteArrayOutputStream stdin) {
        try {
            return h.await(stdin, "secret\n".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10), Cancellation.none(),
                    System.nanoTime());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, THREADS);
    }
}
