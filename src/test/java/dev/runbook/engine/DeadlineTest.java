package dev.runbook.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.exec.Cancellation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's deadline bounds a step's own timeout and interrupts the run at the same moment: a step
 * it ended reads the same whichever of the two the step noticed first.
 */
class DeadlineTest {
    @TempDir
    Path dir;

    private static final Map<String, Object> FIELDS = Map.of("exit_code", -1);
    private static final StepResult TIMED_OUT = StepResult.of(StepResult.Outcome.TIMED_OUT,
            "timed out after 1.9 s; its processes were killed", FIELDS, 1983);
    private static final StepResult INTERRUPTED = StepResult.of(StepResult.Outcome.CANCELLED, "interrupted (deadline)", FIELDS, 1990);

    @Test
    void aStepTheDeadlineTimedOutAndOneItInterruptedReadTheSame() {
        StepResult timedOut = RunContext.afterDeadline(TIMED_OUT, true, null, true);
        StepResult interrupted = RunContext.afterDeadline(INTERRUPTED, false, "deadline", true);

        for (StepResult r : new StepResult[] {timedOut, interrupted}) {
            assertThat(r.outcome()).isEqualTo(StepResult.Outcome.TIMED_OUT);
            assertThat(r.message()).isEqualTo("the run's deadline passed; its processes were killed");
            assertThat(r.fields()).isEqualTo(FIELDS);
        }
        assertThat(RunContext.afterDeadline(INTERRUPTED, true, "deadline", false).message()).isEqualTo("the run's deadline passed");
    }

    @Test
    void aStepsOwnTimeoutAndAnInterruptByAPersonAreLeftAsTheyAre() {
        assertThat(RunContext.afterDeadline(TIMED_OUT, false, null, true)).isSameAs(TIMED_OUT);
        assertThat(RunContext.afterDeadline(TIMED_OUT, false, "deadline", true)).as("its own timeout came first").isSameAs(TIMED_OUT);
        StepResult byCtrlC = StepResult.of(StepResult.Outcome.CANCELLED, "interrupted (SIGINT)", FIELDS, 10);
        assertThat(RunContext.afterDeadline(byCtrlC, true, "SIGINT", true)).isSameAs(byCtrlC);
        StepResult failed = StepResult.failed("exit code 1", FIELDS, 10);
        assertThat(RunContext.afterDeadline(failed, true, "deadline", true)).isSameAs(failed);
    }

    @Test
    void theDeadlineComesFirstWhenItIsNearerThanTheStepsOwnLimitOrTheStepHasNone() {
        RunContext in1h = context(Instant.now().plus(Duration.ofHours(1)));

        assertThat(in1h.deadlineFirst(Duration.ofMinutes(1))).isFalse();
        assertThat(in1h.deadlineFirst(Duration.ofHours(2))).isTrue();
        assertThat(in1h.deadlineFirst(null)).isTrue();
        assertThat(context(null).deadlineFirst(null)).as("no deadline").isFalse();
        in1h.finallyPhase = true;
        assertThat(in1h.deadlineFirst(Duration.ofHours(2))).as("finally steps keep their own timeouts").isFalse();
    }

    private static RunContext context(Instant deadline) {
        return new RunContext("r", null, null, new Masker(), new AuditEvent.Actor("tester", "flag"), false, false,
                deadline, new Cancellation());
    }

    /** Repeated: the deadline's interrupt and the step's bounded timeout race, and either used to win. */
    @Test
    void aStepTheDeadlineEndsIsTimedOutByTheDeadlineEveryTime() throws Exception {
        for (int i = 0; i < 6; i++) {
            EngineHarness h = new EngineHarness(Files.createDirectories(dir.resolve("run" + i)));
            RunOutcome o = h.run("""
                    deadline: 300ms
                    steps:
                      - id: slow
                        run: sleep 30
                        retry: {attempts: 3, delay: 10ms}
                      - id: never
                        run: "true"
                    finally:
                      - id: report
                        run: "echo {{ steps.slow.outcome }}"
                    """);

            assertThat(o.status()).as("run %d", i).isEqualTo(RunOutcome.Status.FAILED);
            assertThat(o.message()).as("run %d", i).isEqualTo("the run's deadline passed");
            assertThat(h.finished("slow").data()).as("run %d", i).containsEntry("outcome", "timed out")
                    .containsEntry("message", "the run's deadline passed; its processes were killed").containsEntry("attempts", 1);
            assertThat(h.ofType("step.attempt")).as("no retry after the deadline").isEmpty();
            assertThat(h.ran("never")).isFalse();
            assertThat(h.output).containsExactly("report: timed out");
        }
    }
}
