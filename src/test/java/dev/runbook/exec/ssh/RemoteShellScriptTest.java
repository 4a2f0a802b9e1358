package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.Command;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persistent shell's script, run by this machine's {@code /bin/sh} the way sshd's login shell
 * would run the exec request, and spoken to over its stdin, stdout and stderr as the executor does.
 * The SSH side of it is in {@code SshCommandsIT}.
 */
class RemoteShellScriptTest {
    @TempDir
    Path tmp;
    private Process shell;

    @AfterEach
    void stop() throws Exception {
        if (shell != null) {
            shell.getOutputStream().close();
            if (!shell.waitFor(5, TimeUnit.SECONDS)) {
                shell.destroyForcibly();
            }
        }
    }

    private Process start(Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", RemoteShell.EXEC_LINE).directory(tmp.toFile());
        pb.environment().put("TMPDIR", tmp.toString());
        pb.environment().putAll(env);
        shell = pb.start();
        return shell;
    }

    /** One step's outcome as the shell reported it. */
    private record Reply(String stdout, String stderr, String trailer) {}

    private static Reply step(Process p, Command c) throws Exception {
        return step(p, c, null);
    }

    /** Sends the request; {@code stopAfter} (ms) sends a stop line after that long. */
    private static Reply step(Process p, Command c, Long stopAfter) throws Exception {
        String header = RemoteShell.header(c);
        String marker = RemoteCommand.marker(header);
        FramedInput out = new FramedInput(p.getInputStream(), marker);
        FramedInput err = new FramedInput(p.getErrorStream(), marker);
        CompletableFuture<String> o = CompletableFuture.supplyAsync(() -> drain(out));
        CompletableFuture<String> e = CompletableFuture.supplyAsync(() -> drain(err));
        OutputStream in = p.getOutputStream();
        in.write((marker + "\n" + header + marker + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        if (stopAfter != null) {
            Thread.sleep(stopAfter);
            in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        }
        String stdout = o.get(20, TimeUnit.SECONDS);
        String stderr = e.get(20, TimeUnit.SECONDS);
        assertThat(err.trailer()).isEqualTo(out.trailer());
        return new Reply(stdout, stderr, out.trailer());
    }

    private static String drain(InputStream in) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        } catch (IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
    }

    private static Command run(String line) {
        return Command.run(line, null);
    }

    @Test
    void runsStepAfterStepWithTheirOwnOutputAndExitStatus() throws Exception {
        Process p = start(Map.of());

        assertThat(step(p, run("echo out; echo err >&2; exit 3"))).isEqualTo(new Reply("out\n", "err\n", "3"));
        assertThat(step(p, run("printf 'no newline'"))).isEqualTo(new Reply("no newline", "", "0"));
        assertThat(step(p, run("true"))).isEqualTo(new Reply("", "", "0"));
        assertThat(step(p, run("echo \"$0 $# $PWD\""))).isEqualTo(new Reply("sh 0 " + tmp.toRealPath() + "\n", "", "0"));
    }

    @Test
    void givesEachStepItsOwnProcessGroupSessionAndNoStdin() throws Exception {
        Process p = start(Map.of());

        String first = step(p, run("ps -o sid=,pgid= -p $$; cat; ls /proc/$$/fd")).stdout();
        String second = step(p, run("ps -o sid=,pgid= -p $$")).stdout();

        String[] ids = first.lines().findFirst().orElseThrow().trim().split("\\s+");
        assertThat(ids[0]).as("session leader").isEqualTo(ids[1]);
        assertThat(first.lines().skip(1).toList()).as("only stdin, stdout and stderr: nothing of the shell's")
                .containsExactly("0", "1", "2");
        assertThat(second.lines().findFirst().orElseThrow()).isNotEqualTo(first.lines().findFirst().orElseThrow());
    }

    @Test
    void exportsTheStepsEnvToTheCommandOnlyAndKeepsItOffCommandLines() throws Exception {
        Process p = start(Map.of());
        Command c = new Command("echo \"$TOKEN|$h|$m\"; ps -eo args | grep -c 's3cr3t-value' ", false, null,
                Map.of("TOKEN", "s3cr3t-value", "h", "x"), null, null, null);

        Reply r = step(p, c);

        assertThat(r.stdout()).isEqualTo("s3cr3t-value|x|\n1\n"); // the one match is grep itself
        assertThat(step(p, run("echo \"[$TOKEN]\"")).stdout()).isEqualTo("[]\n");
    }

    @Test
    void aStopEndsTheWholeGroupEvenWhenItIgnoresTerm() throws Exception {
        Process p = start(Map.of());
        String sleep = "sleep 71." + (System.nanoTime() % 100000);

        long start = System.nanoTime();
        Reply r = step(p, run("trap '' TERM; " + sleep + " & " + sleep + "; echo never"), 300L);

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(2000L, 6000L);
        assertThat(r.trailer()).isEqualTo("137");
        assertThat(r.stdout()).isEmpty();
        assertThat(RemoteProcesses.awaitNone(sleep, 1000)).isEmpty();
        assertThat(step(p, run("echo next")).stdout()).as("the shell goes on").isEqualTo("next\n");
    }

    @Test
    void aStopEndsAGroupThatGoesOnTermAtOnce() throws Exception {
        Process p = start(Map.of());
        String sleep = "sleep 74." + (System.nanoTime() % 100000);

        long start = System.nanoTime();
        Reply r = step(p, run(sleep + "; echo never"), 300L);

        // the sleep, orphaned by its shell's death, may stay a zombie until init reaps it: not a reason to wait
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
        assertThat(r.trailer()).isEqualTo("143");
        assertThat(RemoteProcesses.awaitNone(sleep, 1000)).isEmpty();
    }

    @Test
    void endOfInputWhileAStepRunsEndsItsGroup() throws Exception {
        Process p = start(Map.of());
        String sleep = "sleep 72." + (System.nanoTime() % 100000);
        String header = RemoteShell.header(run(sleep + " & " + sleep));
        String marker = RemoteCommand.marker(header);
        p.getOutputStream().write((marker + "\n" + header + marker + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        assertThat(awaitSome(sleep)).hasSize(2);

        p.getOutputStream().close(); // the connection is gone

        assertThat(RemoteProcesses.awaitNone(sleep, 3000)).isEmpty();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aStepThatLeavesAProcessBehindEndsTheShellAndTheProcessStays() throws Exception {
        Process p = start(Map.of());
        String sleep = "sleep 73." + (System.nanoTime() % 100000);
        Path pid = tmp.resolve("pid");

        Reply r = step(p, run("nohup " + sleep + " >/dev/null 2>&1 & echo $! > " + pid + "; echo started"));

        assertThat(r).isEqualTo(new Reply("started\n", "", "0 left"));
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).as("the shell has ended").isTrue();
        assertThat(RemoteProcesses.matching(sleep)).hasSize(1);
        new ProcessBuilder("kill", Files.readString(pid).strip()).start().waitFor();
    }

    @Test
    void anExitStatusThatMayMeanTheRequestWasNotReadEndsTheShell() throws Exception {
        Process p = start(Map.of());

        assertThat(step(p, run("kill -9 $$")).trailer()).isEqualTo("137 end");
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void saysXAndRunsNothingWhereSetsidIsMissing() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : new String[] {"mkdir", "mkfifo", "rm", "touch"}) {
            Path wrapper = Files.writeString(bin.resolve(tool), "#!/bin/sh\nexec /usr/bin/" + tool + " \"$@\"\n");
            wrapper.toFile().setExecutable(true);
        }
        Process p = start(Map.of("PATH", bin.toString()));
        Path flag = tmp.resolve("ran");

        Reply r = step(p, run("touch " + flag));

        assertThat(r.trailer()).isEqualTo("x");
        assertThat(flag).doesNotExist();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void leavesNoFileBehindAndNoProcessAfterItsInputEnds() throws Exception {
        Process p = start(Map.of());
        for (int i = 0; i < 20; i++) {
            assertThat(step(p, run("echo " + i)).stdout()).isEqualTo(i + "\n");
        }
        long pid = p.pid();

        p.getOutputStream().close();

        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        try (var files = Files.list(tmp)) {
            assertThat(files.toList()).as("the private pipe is unlinked at once").isEmpty();
        }
        Thread.sleep(200);
        assertThat(RemoteProcesses.matching("IFS= read -r m <&5")).as("the step started ahead ends with it").isEmpty();
        assertThat(pid).isPositive();
    }

    @Test
    void runsTheCommandWithTheShellTheStepNames() throws Exception {
        Process p = start(Map.of());
        Command c = new Command("[[ 1 == 1 ]] && echo \"$BASH_VERSION\" | cut -c1", false, "/bin/bash", Map.of(),
                Duration.ofSeconds(5), null, null);

        assertThat(step(p, c).stdout()).matches("[0-9]\n");
    }

    private static java.util.List<String> awaitSome(String text) throws Exception {
        long end = System.currentTimeMillis() + 3000;
        java.util.List<String> found = RemoteProcesses.matching(text);
        while (found.size() < 2 && System.currentTimeMillis() < end) {
            Thread.sleep(20);
            found = RemoteProcesses.matching(text);
        }
        return found;
    }
}
