package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.UnreachableException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** What a user sees on Ctrl-C during a connect: it ends within moments, reported as interrupted, not as a failure. */
final class PromptCancel {
    private PromptCancel() {
    }

    /** Cancels {@code cancel} and checks that {@code open}, a connect to root@127.0.0.1:{@code port}, ends at once. */
    static void cancelAndExpectPromptEnd(Cancellation cancel, Future<?> open, int port) {
        long start = System.nanoTime();
        cancel.cancel("Ctrl-C");

        assertThatThrownBy(() -> open.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(UnreachableException.class)
                .cause().hasMessage("connecting to root@127.0.0.1:" + port + " was interrupted (Ctrl-C)");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000L);
    }
}
