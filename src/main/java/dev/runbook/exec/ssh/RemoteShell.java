package dev.runbook.exec.ssh;

import com.jcraft.jsch.Session;
import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.OutputCapture;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.ShellProgram;
import dev.runbook.exec.UnreachableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * A shell that stays on the host for the whole run and starts each {@code run} step there, so
 * that a step does not cost sshd a session and a login shell of its own (on a small machine,
 * most of a short remote step's time). It keeps the guarantees of a channel per step:
 * <ul>
 *   <li>Each command runs in a new session and process group of its own ({@code setsid}), with
 *       stdin from {@code /dev/null}, the login environment, the home directory, and the step's
 *       secret env exported only into that command. The command text and the env travel over
 *       the channel's stdin, never on a command line.</li>
 *   <li>A watcher forked for the step reads our stdin while the command runs: a line (timeout,
 *       Ctrl-C) or end of file (the connection is gone) ends the whole group with TERM, up to two
 *       seconds for its leader to go, then KILL to the group. It watches the leader, which the
 *       shell reaps at once, not the group: a child orphaned by the TERM stays a zombie until init
 *       reaps it, which some inits do late.</li>
 *   <li>The step's output is its own. The shell ends it with a line holding a random marker and
 *       the exit status, on stdout and stderr both; a command whose group still has processes
 *       when it exits (something left running on purpose, which may still hold the output
 *       open) ends the shell, and the next step gets a new one. The same happens after an exit
 *       status that may mean the command never read its request (125, or a signal).</li>
 * </ul>
 * To take the process start off the step's path, the shell starts the next step's process
 * group as soon as a step ends; it waits, blocked, for its request on a private pipe: a fifo
 * made in a new directory of mode 0700 ({@code mkdir} refuses one that exists) and unlinked with
 * it once opened. A host without {@code setsid}, {@code mkdir -m} or {@code mkfifo} answers the
 * first request with {@code x}, and that host's steps go a channel each.
 * <p>Scripts and {@code become} steps always take a channel each ({@link RemoteExecution}).
 */
final class RemoteShell {
    /** A request larger than this takes a channel of its own: the private pipe holds 64 KiB. */
    static final int MAX_REQUEST = 32 << 10;

    /**
     * A step's process, started ahead: reads its marker and then its request from fd 5 up to
     * the marker again, drops fd 5, and evaluates the request ({@code unset h}, the exports,
     * the command). Exit 125 when the request did not come whole.
     */
    private static final String STEP = "n=$1; h=; s=; IFS= read -r m <&5 && while IFS= read -r l <&5; do"
            + " [ \"$l\" = \"$m\" ] && { s=1; break; }; h=$h$l$n; done; exec 5<&- </dev/null;"
            + " [ -n \"$s\" ] || exit 125; unset n m l s; set --; eval \"$h\"";

    /**
     * The shell. One line without '!' so that any login shell (csh too) passes it on. fd 3 is
     * our stdin for the watchers; fd 4 (write) and 5 (read) the private pipe.
     */
    private static final String SHELL = "n=${IFS#??}; [ ${#n} = 1 ] || { n=$(printf \"\\nx\"); n=${n%x}; }; exec 3<&0; g=;"
            + " d=${TMPDIR:-/tmp}/runbook.$$; command -v setsid >/dev/null 2>&1 && mkdir -m 700 \"$d\""
            + " && { mkfifo -m 600 \"$d/f\" && exec 6<>\"$d/f\" 5<\"$d/f\" 4>\"$d/f\" 6<&- && g=1; rm -rf \"$d\"; };"
            + " S=" + ShellProgram.quote(STEP) + ";"
            + " rb_s() { setsid /bin/sh -c \"$S\" sh \"$n\" 3<&- 4>&- </dev/null & c=$!; }; c=;"
            + " while IFS= read -r m; do [ \"$m\" = stop ] && continue;"
            + " h=; s=; while IFS= read -r l; do [ \"$l\" = \"$m\" ] && { s=1; break; }; h=$h$l$n; done;"
            + " [ -n \"$s\" ] || exit 0;"
            + " [ -n \"$g\" ] || { printf \"\\n%s x\\n\" \"$m\"; printf \"\\n%s x\\n\" \"$m\" >&2; exit 0; };"
            + " [ -n \"$c\" ] && kill -0 $c 2>/dev/null || rb_s;"
            + " printf \"%s\\n%s%s\\n\" \"$m\" \"$h\" \"$m\" >&4;"
            + " ( IFS= read -r l || { kill -0 $c 2>/dev/null || exit 0; }; trap \"\" TERM; kill -TERM -$c; i=0;"
            + " while [ $i -lt 20 ] && kill -0 $c 2>/dev/null; do sleep 0.1 || sleep 1; i=$((i+1)); done; kill -KILL -$c; exit 9 )"
            + " <&3 >/dev/null 2>&1 4>&- 5<&- & w=$!;"
            + " wait $c 2>/dev/null; r=$?; kill $w 2>/dev/null; wait $w 2>/dev/null; x=$?;"
            + " f=; [ $x = 9 ] || case $r in 125|12[89]|1[3-9]?|2??) f=\" end\";; esac;"
            + " [ $x = 9 ] || { kill -0 -$c 2>/dev/null && { sleep 0.05; kill -0 -$c 2>/dev/null && f=\" left\"; }; };"
            + " printf \"\\n%s %s%s\\n\" \"$m\" \"$r\" \"$f\"; printf \"\\n%s %s%s\\n\" \"$m\" \"$r\" \"$f\" >&2;"
            + " [ -z \"$f\" ] || exit 0; rb_s; done";

    /** What the exec request asks the login shell to run: the shell above, nothing of any step. */
    static final String EXEC_LINE = "exec /bin/sh -c 'eval \"$1\"' sh " + ShellProgram.quote(SHELL);

    private final Session session;
    private final RemoteExecution.Opened channel;
    private boolean usable = true;

    private RemoteShell(Session session, RemoteExecution.Opened channel) {
        this.session = session;
        this.channel = channel;
    }

    /** Whether the command can go through the shell: a command line, not a script, without become, not huge. */
    static boolean suits(Command c) {
        if (c.script() || c.becomeUser() != null) {
            return false;
        }
        long size = c.line().length() + (c.shell() == null ? 0 : c.shell().length());
        for (Map.Entry<String, String> e : c.env().entrySet()) {
            size += e.getKey().length() + e.getValue().length();
        }
        return size * 4 < MAX_REQUEST; // quoting and UTF-8 at most quadruple it
    }

    /** Starts the shell on a new channel; the step's timeout and cancellation bound the wait. */
    static RemoteShell open(Session session, String where, Duration timeout, Cancellation cancel, long start)
            throws UnreachableException, RemoteExecution.NotStarted {
        return new RemoteShell(session, RemoteExecution.openGuarded(session, EXEC_LINE, timeout, cancel, where, start));
    }

    Session session() {
        return session;
    }

    /** Whether the next step can use this shell. */
    synchronized boolean usable() {
        return usable && !channel.ch().isClosed() && session.isConnected();
    }

    void close() {
        synchronized (this) {
            usable = false;
        }
        channel.ch().disconnect();
    }

    /**
     * Runs one command. Returns null, having run nothing, when the host lacks what the shell
     * needs; the caller then runs it on a channel of its own.
     */
    ExecResult run(Command command, OutputListener output, Cancellation cancel, String where, long start)
            throws UnreachableException {
        try {
            ShellProgram.checkEnv(command);
        } catch (IllegalArgumentException e) {
            return new ExecResult(-1, false, false, "", e.getMessage(), false, RemoteExecution.elapsed(start));
        }
        if (cancel.isCancelled()) {
            return new ExecResult(-1, false, true, "", "", false, RemoteExecution.elapsed(start));
        }
        String header = header(command);
        String marker = RemoteCommand.marker(header);
        FramedInput out = new FramedInput(channel.out(), marker);
        FramedInput err = new FramedInput(channel.err(), marker);
        OutputCapture stdout = new OutputCapture(out, OutputListener.Stream.STDOUT, output, OutputCapture.STDOUT_LIMIT);
        OutputCapture stderr = new OutputCapture(err, OutputListener.Stream.STDERR, output, OutputCapture.STDERR_LIMIT);
        RemoteExecution.PUMPS.execute(stdout);
        RemoteExecution.PUMPS.execute(stderr);
        try {
            channel.in().write((marker + "\n" + header + marker + "\n").getBytes(StandardCharsets.UTF_8));
            channel.in().flush();
        } catch (IOException e) {
            // the channel is gone; the wait below sees its end
        }
        Step step = new Step(command, cancel, start);
        step.await(stdout, stderr);
        return finish(step, out, err, stdout, stderr, where);
    }

    /** The request: our own variable gone, then the step's exports and command. */
    static String header(Command c) {
        return ShellProgram.exportsAndCommand(c, new StringBuilder("unset h\n"), "").toString();
    }

    /** The wait for one step's end, with what happened during it. */
    private final class Step {
        final StopClock clock;
        boolean gaveUp;

        Step(Command command, Cancellation cancel, long start) {
            this.clock = new StopClock(command.timeout(), cancel, start);
        }

        void await(OutputCapture stdout, OutputCapture stderr) {
            try {
                while (true) {
                    long now = System.nanoTime();
                    StopClock.Next next = clock.next(now);
                    if (next == StopClock.Next.STOP) {
                        stop();
                    } else if (next == StopClock.Next.GIVE_UP) {
                        gaveUp = true;
                        return;
                    }
                    long wait = clock.pauseMillis(now);
                    if (stdout.await(wait) && stderr.await(wait)) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (clock.interrupted(System.nanoTime())) {
                    stop();
                }
                gaveUp = true;
            }
        }

        /** Asks the step's watcher to end the command's group. */
        private void stop() {
            try {
                channel.in().write("stop\n".getBytes(StandardCharsets.US_ASCII));
                channel.in().flush();
            } catch (IOException e) {
                // the channel is gone, which stops the watcher too
            }
        }
    }

    private ExecResult finish(Step step, FramedInput out, FramedInput err, OutputCapture stdout, OutputCapture stderr,
                              String where) throws UnreachableException {
        String trailer = out.trailer();
        boolean ended = !step.gaveUp && trailer != null && err.trailer() != null;
        if (!ended) {
            // no end line: the shell, its channel or the connection is gone, or it did not answer a stop
            close();
            stdout.detach();
            stderr.detach();
            boolean stopped = step.clock.timedOut() || step.clock.cancelled();
            if (!stopped && !step.gaveUp) {
                RemoteExecution.settle(session);
                if (!session.isConnected()) {
                    throw new UnreachableException("connection to " + where
                            + " was lost while the step ran; whether the command finished is unknown");
                }
            }
            String e = stderr.text();
            if (!stopped) {
                e = e + (e.isEmpty() || e.endsWith("\n") ? "" : "\n")
                        + "the remote shell running the step ended without its exit status";
            }
            return new ExecResult(-1, step.clock.timedOut(), step.clock.cancelled(), stdout.text(), e, stdout.truncated(),
                    step.clock.elapsedMillis());
        }
        if (trailer.equals("x")) {
            close();
            return null;
        }
        int space = trailer.indexOf(' ');
        int exit;
        try {
            exit = Integer.parseInt(space < 0 ? trailer : trailer.substring(0, space));
        } catch (NumberFormatException e) {
            exit = -1;
        }
        if (space >= 0 || exit < 0) {
            close(); // the shell has ended itself (or said something we do not know): the next step gets a new one
        }
        boolean stopped = step.clock.timedOut() || step.clock.cancelled();
        return new ExecResult(stopped ? -1 : exit, step.clock.timedOut(), step.clock.cancelled(), stdout.text(),
                stderr.text(), stdout.truncated(), step.clock.elapsedMillis());
    }
}
