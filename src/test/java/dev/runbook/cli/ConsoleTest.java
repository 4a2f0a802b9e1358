package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditEvent;
import dev.runbook.exec.OutputListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleTest {
    @Test
    void durationsBelowASecondInMillisecondsAboveInTenthsOfASecondRoundedHalfUp() {
        assertThat(Console.seconds(0)).isEqualTo("0 ms");
        assertThat(Console.seconds(999L)).isEqualTo("999 ms");
        assertThat(Console.seconds(1000)).isEqualTo("1.0 s");
        assertThat(Console.seconds(1049)).isEqualTo("1.0 s");
        assertThat(Console.seconds(1050)).isEqualTo("1.1 s");
        assertThat(Console.seconds(9999)).isEqualTo("10.0 s");
        assertThat(Console.seconds(61234L)).isEqualTo("61.2 s");
        assertThat(Console.seconds(null)).isEqualTo("0 ms");
    }

    @Test
    void aDecimalPointWhateverTheLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertThat(Console.seconds(2345)).isEqualTo("2.3 s");
        } finally {
            Locale.setDefault(before);
        }
    }

    private static AuditEvent event(String type, String host, String step, Map<String, Object> data) {
        return new AuditEvent(1, "r1", 0, "2026-11-27T00:00:00Z", type, new AuditEvent.RunbookRef("rb", "rb.yaml", "0"),
                host, step, new AuditEvent.Actor("sre", "flag"), data, null, null);
    }

    /** What a plain (not a terminal) console prints for these events and output lines. */
    private static String printed(List<String> targets, String... hosts) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Console c = new Console(new Terminal(out, out, false, false), false);
        c.event(event("run.started", null, null, Map.of("targets", targets)));
        for (String h : hosts) {
            c.event(event("step.started", h, "check", Map.of("command", "uptime")));
            c.output(h, "check", OutputListener.Stream.STDOUT, "up on " + h);
            c.event(event("step.finished", h, "check", Map.of("outcome", "ok", "duration_ms", 12)));
        }
        c.close();
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void namesTheHostOnEveryLineOfARunOverRemoteHosts() {
        String out = printed(List.of("web1", "web2"), "web1", "web2");

        assertThat(out).contains("web1 check: started: uptime\n", "web1 check │ up on web1\n", "✓ web1 check  12 ms\n",
                "web2 check: started: uptime\n", "web2 check │ up on web2\n", "✓ web2 check  12 ms\n");
    }

    @Test
    void leavesTheHostOutOfASingleHostRunWhoseFirstLineNamesIt() {
        String out = printed(List.of("db1"), "db1");

        assertThat(out).startsWith("run r1: rb on db1\n")
                .contains("check: started: uptime\n", "check │ up on db1\n", "✓ check  12 ms\n")
                .doesNotContain("db1 check");
    }

    @Test
    void startsNamingHostsWhenAStepReachesASecondHost() {
        String out = printed(List.of("localhost"), "localhost", "db1");

        assertThat(out).contains("check │ up on localhost\n", "db1 check │ up on db1\n", "✓ db1 check  12 ms\n");
    }

    @Test
    void aTerminalKeepsOneLiveLinePerHostAndDropsEachWhenItsStepEndsEvenIfHostNamesCameInBetween() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Console c = new Console(new Terminal(out, out, true, false), false);
        c.event(event("run.started", null, null, Map.of("targets", List.of("web1"))));
        c.event(event("step.started", "web1", "check", Map.of()));
        c.event(event("step.started", "web2", "check", Map.of())); // a step's own targets bring a second host
        buf.reset();
        c.println("tick");

        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("web1 check  ", "web2 check  ");

        c.event(event("step.finished", "web1", "check", Map.of("outcome", "ok", "duration_ms", 5)));
        c.event(event("step.finished", "web2", "check", Map.of("outcome", "ok", "duration_ms", 5)));
        buf.reset();
        c.println("after");
        c.close();

        assertThat(buf.toString(StandardCharsets.UTF_8)).as("no live line left behind").doesNotContain("check");
    }
    @Test
    void aConfirmStepShowsItsPromptOnceWhenItsGateAsks() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Console c = new Console(new Terminal(out, out, false, false), false);
        c.event(event("run.started", null, null, Map.of("targets", List.of("localhost"))));
        c.event(event("gate.asked", "localhost", "approve", Map.of("prompt", "Restart it?")));
        c.event(new AuditEvent(1, "r1", 0, "2026-11-27T00:00:00Z", "gate.approved", new AuditEvent.RunbookRef("rb", "rb.yaml", "0"),
                "localhost", "approve", new AuditEvent.Actor("sre", "flag"), Map.of(), null, null));
        c.event(event("step.started", "localhost", "approve", Map.of("kind", "confirm", "command", "Restart it?")));
        c.event(event("step.finished", "localhost", "approve", Map.of("outcome", "ok", "duration_ms", 0)));
        c.close();

        assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo("""
                run r1: rb on localhost
                approve: asks: Restart it?
                ✓ approve: approved by sre via flag
                ✓ approve  0 ms
                """);
    }

    @Test
    void stepOutputIsWrittenInBlocksNotALineAtATimeAndInOrderWithTheEvents() {
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        ByteArrayOutputStream buf = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes.incrementAndGet();
                super.write(b, off, len);
            }

            @Override
            public synchronized void write(int b) {
                writes.incrementAndGet();
                super.write(b);
            }
        };
        // as System.out is: flushed at every newline, through a small buffer
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(buf, 128), true, StandardCharsets.UTF_8);
        Console c = new Console(new Terminal(out, out, false, false), false);
        c.event(event("step.started", "h1", "dump", Map.of("command", "cat big.log")));
        for (int i = 0; i < 10_000; i++) {
            c.output("h1", "dump", OutputListener.Stream.STDOUT, "line " + i);
        }
        c.event(event("step.finished", "h1", "dump", Map.of("outcome", "ok", "duration_ms", 12)));
        c.close();

        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(10_002);
        assertThat(lines.get(0)).isEqualTo("dump: started: cat big.log");
        assertThat(lines.get(1)).isEqualTo("dump │ line 0");
        assertThat(lines.get(10_000)).isEqualTo("dump │ line 9999");
        assertThat(lines.get(10_001)).startsWith("✓ dump");
        assertThat(writes.get()).as("writes for 10,002 lines").isLessThan(200);
    }

    @Test
    void aLineOfOutputIsShownWithoutWaitingForMore() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Console c = new Console(new Terminal(out, out, false, false), false);

        c.output("h1", "tail", OutputListener.Stream.STDOUT, "waiting for the service");

        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!buf.toString(StandardCharsets.UTF_8).contains("waiting for the service") && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo("tail │ waiting for the service\n");
        c.close();
    }

    @Test
    void escapesWhatCameFromOutsideAndKeepsItsOwnColours() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Console c = new Console(new Terminal(out, out, false, true), false);
        c.event(event("run.started", null, null, Map.of("targets", List.of("web1", "web\u001b[2J"))));
        c.output("web\u001b[2J", "check", OutputListener.Stream.STDERR, "tab\there\r\u001b[1A\u009b2Kdone ✓ ünïcode");
        c.close();

        assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo("\u001b[1mrun r1\u001b[0m: rb on web1, web\\x1b[2J\n"
                + "\u001b[2mweb\\x1b[2J check │ \u001b[0m\u001b[33mtab\there\\r\\x1b[1A\\u009b2Kdone ✓ ünïcode\u001b[0m\n");
    }
}
