package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.OutputCapture;
import dev.runbook.exec.OutputListener;
import dev.runbook.testing.Sshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Commands over SSH as a step sees them; {@link SshPersistentShellIT} runs them all again through the persistent shell. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshCommandsIT {
    Sshd sshd;
    TestHome home;
    CommandRunner runner;

    /** Whether the host's command lines go through the persistent shell ({@link SshPersistentShellIT}). */
    boolean persistentShell() {
        return false;
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        sshd = Sshd.start();
        home = new TestHome(dir).trust(sshd);
        runner = home.connector().open(sshd.target("web1", Map.of("runbook_persistent_shell", persistentShell())));
    }

    @AfterAll
    void stop() {
        if (runner != null) {
            runner.close();
        }
        if (sshd != null) {
            sshd.close();
        }
    }

    ExecResult run(String line) throws Exception {
        return runner.run(Command.run(line, Duration.ofSeconds(30)), OutputListener.NONE, Cancellation.none());
    }

    @Test
    void returnsTheExitCodeAndKeepsStdoutAndStderrApart() throws Exception {
        ExecResult r = run("echo out; echo err >&2; exit 3");

        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.ok()).isFalse();
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.timedOut()).isFalse();
    }

    @Test
    void succeedsWithExitCodeZeroAndStreamsEachLine() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        ExecResult r = runner.run(Command.run("printf 'a\\nb\\n'; echo c >&2", null),
                (s, l) -> lines.add(s + ":" + l), Cancellation.none());

        assertThat(r.ok()).isTrue();
        assertThat(lines).containsExactlyInAnyOrder("STDOUT:a", "STDOUT:b", "STDERR:c");
    }

    @Test
    void runsEveryStepOverTheSameConnection() throws Exception {
        String first = run("echo $SSH_CONNECTION").stdout();
        String second = run("echo $SSH_CONNECTION").stdout();

        assertThat(first).isNotBlank().isEqualTo(second);
    }

    @Test
    void startsEachCommandOnAChannelOfItsOwnUnlessTheHostHasAPersistentShell() throws Exception {
        run("true"); // a host's first command takes a channel of its own either way
        String parents = "";
        for (int i = 0; i < 3; i++) {
            parents += run("ps -o comm= -p $PPID").stdout();
        }

        // sshd starts the command of a channel
        assertThat(parents).isEqualTo(persistentShell() ? "sh\nsh\nsh\n" : "sshd\nsshd\nsshd\n");
    }

    @Test
    void passesQuotesDollarsAndNewlinesThroughUnchanged() throws Exception {
        ExecResult r = run("printf '%s|' 'it'\\''s' \"$((1+2))\" '$HOME'; echo; printf 'x\\ny\\n'");

        assertThat(r.stdout()).isEqualTo("it's|3|$HOME|\nx\ny\n");
    }

    @Test
    void givesTheCommandNoStdinToWaitOn() throws Exception {
        ExecResult r = run("cat; echo done");

        assertThat(r.ok()).isTrue();
        assertThat(r.stdout()).isEqualTo("done\n");
    }

    @Test
    void runsAScriptWithTheNamedInterpreterWithoutLeavingItsFileBehind(@TempDir Path tmp) throws Exception {
        String script = "#!/bin/bash\nset -e\nwords=(alpha beta)\necho \"${words[1]} from $0\"\ncat\nls \"$TMPDIR\"\nexit 4\n";
        Command c = new Command(script, true, "/bin/bash", Map.of("TMPDIR", tmp.toString()), Duration.ofSeconds(30), null,
                null);

        ExecResult r = runner.run(c, OutputListener.NONE, Cancellation.none());

        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.stdout()).isEqualTo("beta from /dev/fd/4\n");
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void runsALineWithTheShellTheStepNames() throws Exception {
        Command c = new Command("echo ${BASH_VERSION:+bash}; [[ -n x ]] && echo double-brackets", false, "/bin/bash",
                Map.of(), Duration.ofSeconds(30), null, null);

        ExecResult r = runner.run(c, OutputListener.NONE, Cancellation.none());

        assertThat(r.stdout()).isEqualTo("bash\ndouble-brackets\n");
    }

    @Test
    void reportsAMissingCommandAsTheShellDoes() throws Exception {
        ExecResult r = run("no-such-command-here");

        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.stderr()).contains("no-such-command-here").contains("not found").doesNotContain("runbook-");
    }

    @Test
    void doesNotStartACommandWhenTheRunIsAlreadyCancelled() throws Exception {
        Cancellation cancel = new Cancellation();
        cancel.cancel("Ctrl-C");
        Path flag = Files.createTempFile("rb-cancelled", ".flag");
        Files.delete(flag);

        ExecResult r = runner.run(Command.run("touch " + flag, null), OutputListener.NONE, cancel);

        assertThat(r.cancelled()).isTrue();
        assertThat(flag).doesNotExist();
    }

    @Test
    void hidesSecretEnvFromTheProcessListAndTheExecRequest() throws Exception {
        String secret = "s3cr3t-" + System.nanoTime();
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Command c = new Command("[ \"$(printf %s \"$DB_PASSWORD\" | sha256sum | cut -c1-64)\" = " + sha
                + " ] && echo matches; ps -eo args; sleep 0.5", false, null, Map.of("DB_PASSWORD", secret),
                Duration.ofSeconds(30), null, null);
        AtomicLong seenInPs = new AtomicLong();
        Thread watcher = new Thread(() -> {
            try {
                for (int i = 0; i < 10; i++) {
                    if (RemoteProcesses.all().contains(secret)) {
                        seenInPs.incrementAndGet();
                    }
                    Thread.sleep(40);
                }
            } catch (Exception e) {
                seenInPs.addAndGet(1000);
            }
        });
        watcher.start();

        ExecResult r = runner.run(c, OutputListener.NONE, Cancellation.none());
        watcher.join();

        assertThat(r.stdout()).startsWith("matches\n");
        assertThat(r.stdout().substring("matches\n".length())).doesNotContain(secret);
        assertThat(r.stderr()).doesNotContain(secret);
        assertThat(seenInPs.get()).isZero();
        assertThat(RemoteCommand.of(c).execLine()).doesNotContain(secret);
    }

    @Test
    void passesEnvWhateverItsNameEvenOnesTheBootstrapUsesItself() throws Exception {
        Map<String, String> env = Map.of("m", "1", "h", "2", "n", "3", "l", "4", "s", "5", "rb_p", "6", "IFS", ":");
        Command c = new Command("echo \"$m$h$n$l$s$rb_p$IFS\"", false, null, env, Duration.ofSeconds(30), null, null);

        ExecResult r = runner.run(c, OutputListener.NONE, Cancellation.none());

        assertThat(r.stdout()).isEqualTo("123456:\n");
    }

    @Test
    void refusesAnEnvNameTheShellCannotHold() throws Exception {
        Command c = new Command("true", false, null, Map.of("BAD-NAME", "x"), null, null, null);

        ExecResult r = runner.run(c, OutputListener.NONE, Cancellation.none());

        assertThat(r.ok()).isFalse();
        assertThat(r.stderr()).contains("BAD-NAME");
    }

    @Test
    void streamsTenMegabytesWhileKeepingOnlyABoundedTail() throws Exception {
        AtomicLong lines = new AtomicLong();
        String line99 = "0123456789".repeat(9) + "012345678";
        ExecResult r = runner.run(Command.run("yes " + line99 + " | head -n 104858", Duration.ofSeconds(60)),
                (s, l) -> {
                    if (s == OutputListener.Stream.STDOUT && l.length() == 99) {
                        lines.incrementAndGet();
                    }
                }, Cancellation.none());

        assertThat(r.ok()).isTrue();
        assertThat(lines.get()).isEqualTo(104858);
        assertThat(r.truncated()).isTrue();
        assertThat(r.stdout().length()).isLessThanOrEqualTo(OutputCapture.STDOUT_LIMIT);
        assertThat(r.stdout()).endsWith(line99 + "\n");
    }

    @Test
    void timeoutKillsTheRemoteCommandAndEverythingItStarted() throws Exception {
        String sleep = "sleep 77." + (System.nanoTime() % 100000);
        long start = System.nanoTime();

        ExecResult r = runner.run(Command.run(sleep + " & " + sleep + "; echo done", Duration.ofSeconds(1)),
                OutputListener.NONE, Cancellation.none());

        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.timedOut()).isTrue();
        assertThat(r.exitCode()).isEqualTo(-1);
        assertThat(r.stdout()).isEmpty();
        assertThat(ms).isBetween(900L, 4000L);
        assertThat(RemoteProcesses.awaitNone(sleep, 1000)).isEmpty();
        assertThat(run("echo still usable").stdout()).isEqualTo("still usable\n");
    }

    @Test
    void timeoutKillsACommandThatIgnoresTerm() throws Exception {
        String sleep = "sleep 61." + (System.nanoTime() % 100000);

        ExecResult r = run2("trap '' TERM; " + sleep + "; " + sleep, Duration.ofMillis(500));

        assertThat(r.timedOut()).isTrue();
        assertThat(RemoteProcesses.awaitNone(sleep, 1000)).isEmpty();
    }

    @Test
    void cancellationStopsTheRemoteCommand() throws Exception {
        String sleep = "sleep 62." + (System.nanoTime() % 100000);
        Cancellation cancel = new Cancellation();
        new Thread(() -> {
            cancel.sleep(500);
            cancel.cancel("Ctrl-C");
        }).start();

        ExecResult r = runner.run(Command.run(sleep + "; echo done", null), OutputListener.NONE, cancel);

        assertThat(r.cancelled()).isTrue();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.stdout()).isEmpty();
        assertThat(RemoteProcesses.awaitNone(sleep, 1000)).isEmpty();
    }

    @Test
    void leavesADeliberateBackgroundProcessAloneAfterANormalExit() throws Exception {
        String sleep = "sleep 63." + (System.nanoTime() % 100000);
        Path pidFile = Files.createTempFile("rb-daemon", ".pid");

        ExecResult r = run("nohup " + sleep + " >/dev/null 2>&1 & echo $! > " + pidFile + "; echo started");

        assertThat(r.ok()).isTrue();
        assertThat(r.stdout()).isEqualTo("started\n");
        assertThat(r.durationMs()).isLessThan(5000);
        Thread.sleep(300); // the watcher sees end of file once the channel closes, and must leave the daemon alone
        assertThat(RemoteProcesses.matching(sleep)).hasSize(1);
        Sshd.run("kill", Files.readString(pidFile).strip());
    }

    ExecResult run2(String line, Duration timeout) throws Exception {
        return runner.run(Command.run(line, timeout), OutputListener.NONE, Cancellation.none());
    }
}
