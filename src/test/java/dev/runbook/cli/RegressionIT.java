package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Processes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end tests of bugs found by the suite and fixed: Ctrl-C at a gate prompt, finally steps
 * after the deadline, stalled HTTP bodies, and signals during plan --probe. Each test's comment
 * says what was wrong.
 */
class RegressionIT {
    @TempDir
    Path home;

    Cli cli;
    Path sleeper;
    HttpServer server;
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch headersSent = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws IOException {
        cli = Cli.in(home);
        sleeper = Processes.sleeper(home);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/stall", ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream body = ex.getResponseBody();
            body.write("partial".getBytes());
            body.flush();
            headersSent.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        server.stop(0);
        Processes.killAll(sleeper.getFileName().toString());
    }

    private String stallUrl() {
        return "url=http://127.0.0.1:" + server.getAddress().getPort() + "/stall";
    }

    /**
     * Belongs in InterruptIT. Bug: on a terminal, Ctrl-C at a gate prompt does nothing until a line or EOF is
     * typed: CliGate.ask holds the console's monitor while it reads, and the signal handler calls the
     * synchronized console.notice() before control.interrupt(), so it blocks. After Enter/EOF the run ends as a
     * denied gate (exit 3, run.finished, "no answer"); if 'y' was typed, the gate is recorded as approved.
     */
    @Test
    void ctrlCAtAGatePromptStopsTheRunWithoutWaitingForAnAnswer() {
        Cli.Result r;
        try (Cli.Running run = cli.startOnTerminal("run", e2e("gated.yaml"), "-p", "dir=" + home)) {
            run.awaitOutput("[y/N]");
            run.type("\u0003");
            r = run.await(Duration.ofSeconds(10));
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(130);
        assertThat(home.resolve("after")).doesNotExist();
        assertThat(home.resolve("finally")).exists();
        List<JsonNode> events = AuditLog.events(cli.auditFile());
        assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("run.aborted");
        assertThat(AuditLog.ofType(cli.auditFile(), "gate.approved")).isEmpty();
    }

    /**
     * Belongs in TimeoutIT. Bug: once the run's deadline has passed, RunContext.bound() gives every finally
     * step a 1 ms timeout ("cleanup timed out after 1ms; its processes were killed"), so a finally step that
     * needs any time at all is killed: finally does not really run after a deadline.
     */
    @Test
    void finallyStepsAfterTheRunsDeadlineGetTimeToRun() {
        Cli.Result r = cli.run("run", e2e("deadline-slow-finally.yaml"), "-p", "dir=" + home, "-p", "sleeper=" + sleeper);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(home.resolve("finally")).as("the finally step finished its work").exists();
        JsonNode cleanup = AuditLog.ofType(cli.auditFile(), "step.finished").stream()
                .filter(e -> e.path("step").asText().equals("cleanup")).findFirst().orElseThrow();
        assertThat(cleanup.path("data").path("outcome").asText()).isEqualTo("ok");
    }

    /**
     * Belongs in TimeoutIT. Bug: HttpRunner applies the timeout only until the response headers arrive
     * (HttpRequest.timeout); reading the body then blocks without limit. A server that sends headers and
     * stalls the body holds a step with 'timeout: 1s' until it closes the connection (60 s here).
     */
    @Test
    void anHttpStepTimeoutCoversAResponseBodyThatStalls() {
        long start = System.nanoTime();
        Cli.Result r = cli.withTimeout(Duration.ofSeconds(20)).run("run", e2e("http-stall.yaml"), "-p", stallUrl(), "-p", "dir=" + home);
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(ms).isLessThan(10_000);
        assertThat(r.output()).containsPattern("health.*timed out");
        assertThat(home.resolve("finally")).exists();
    }

    /**
     * Belongs in InterruptIT. Bug: the same stalled body read ignores Ctrl-C: cancellation cancels the
     * response future, which has already completed, so the run stays blocked (a second Ctrl-C does not help).
     */
    @Test
    void ctrlCDuringAStalledHttpResponseStopsTheRun() {
        Cli.Result r;
        try (Cli.Running run = cli.withTimeout(Duration.ofSeconds(20)).start("run", e2e("http-stall-long.yaml"), "-p", stallUrl(),
                "-p", "dir=" + home)) {
            run.awaitOutput("health: started");
            await(headersSent);
            sleep(1000);
            run.signal("INT");
            r = run.await(Duration.ofSeconds(10));
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(130);
        assertThat(home.resolve("finally")).exists();
    }

    /**
     * Belongs in InterruptIT. Bug: PlanCommand installs no signal handlers, so Ctrl-C during 'plan --probe'
     * ends the JVM at once: the readonly step's process (in its own session) keeps running, and the audit of
     * the probe run ends with its step.started, no run.aborted (it reads like a crash).
     */
    @Test
    void ctrlCDuringAProbeStopsTheReadonlyStepAndAuditsTheAbort() {
        Cli.Result r;
        try (Cli.Running run = cli.start("plan", e2e("probe-long.yaml"), "-p", "sleeper=" + sleeper, "--probe")) {
            assertThat(Processes.eventually(Duration.ofSeconds(15), () -> !Processes.matching("^" + sleeper + " 30$").isEmpty()))
                    .as("the probe runs").isTrue();
            run.signal("INT");
            r = run.await(Duration.ofSeconds(15));
        }

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(130);
        assertThat(Processes.awaitGone(sleeper.getFileName().toString(), Duration.ofSeconds(5))).as("the probe's process").isEmpty();
        List<JsonNode> events = AuditLog.events(cli.auditFile());
        assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("run.aborted");
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(15, TimeUnit.SECONDS)).as("the server sent the headers").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
