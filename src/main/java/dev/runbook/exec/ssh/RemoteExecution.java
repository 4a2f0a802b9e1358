package dev.runbook.exec.ssh;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.OutputCapture;
import dev.runbook.exec.OutputListener;
import dev.runbook.exec.UnreachableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One command on one exec channel: sends the {@link RemoteCommand}, streams stdout and stderr
 * through {@link OutputCapture}, and waits for the exit status, the timeout, cancellation or
 * the connection's end, whichever comes first. Stopping the command means telling the remote
 * watcher (a line on stdin, then end of file); the channel is closed only after the watcher had
 * its grace period, and closing it is itself a stop signal, so no path leaves the command running.
 */
final class RemoteExecution {
    /** The remote watcher waits up to 2 s between TERM and KILL; we wait that long plus margin for its report. */
    static final long STOP_WAIT_MILLIS = 5000;
    /** After the exit status, how long background processes may keep the output open before we stop listening. */
    private static final long DRAIN_MILLIS = 250;
    private static final long CLOSED_DRAIN_MILLIS = 5000;
    static final ExecutorService PUMPS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ssh-output-reader");
        t.setDaemon(true);
        return t;
    });

    private RemoteExecution() {}

    static ExecResult run(Session session, String where, Command command, OutputListener output,
                          Cancellation cancel) throws UnreachableException {
        long start = System.nanoTime();
        RemoteCommand remote;
        try {
            remote = RemoteCommand.of(command);
        } catch (IllegalArgumentException e) {
            return new ExecResult(-1, false, false, "", e.getMessage(), false, elapsed(start));
        }
        if (cancel.isCancelled()) {
            return new ExecResult(-1, false, true, "", "", false, elapsed(start));
        }
        Opened o;
        try {
            o = openGuarded(session, remote.execLine(), command.timeout(), cancel, where, start);
        } catch (NotStarted e) {
            return e.result;
        }
        SudoHandshake sudo = remote.prompt() == null ? null : new SudoHandshake(o.err(), remote.prompt(), remote.started());
        OutputCapture stdout = new OutputCapture(o.out(), OutputListener.Stream.STDOUT, output, OutputCapture.STDOUT_LIMIT);
        OutputCapture stderr = new OutputCapture(sudo != null ? sudo : o.err(), OutputListener.Stream.STDERR, output,
                OutputCapture.STDERR_LIMIT);
        PUMPS.execute(stdout);
        PUMPS.execute(stderr);
        String refused = null;
        try {
            SudoHandshake.Outcome h = sudo == null ? SudoHandshake.Outcome.STARTED
                    : sudo.await(o.in(), remote.password(), command.timeout(), cancel, start);
            if (h == SudoHandshake.Outcome.STARTED) {
                o.in().write(remote.stdin());
                o.in().flush();
            } else {
                // end of file: sudo gives up instead of reading our next lines as passwords
                o.in().close();
                refused = switch (h) {
                    case REFUSED -> "sudo on " + where + " did not accept the become password";
                    case SILENT -> "sudo on " + where + " neither asked for the password nor started the command within "
                            + SudoHandshake.LIMIT.toSeconds() + "s (does a PAM module ask with a prompt of its own?)";
                    default -> null;
                };
                if (h == SudoHandshake.Outcome.SILENT) {
                    o.ch().disconnect();
                }
            }
        } catch (IOException e) {
            // the channel died at once; the wait below sees why
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ExecResult r = new RemoteExecution.Wait(session, o.ch(), o.in(), stdout, stderr, command, cancel, start, where).await();
        if (refused == null) {
            return r;
        }
        String err = r.stderr() + (r.stderr().isEmpty() || r.stderr().endsWith("\n") ? "" : "\n") + refused;
        return new ExecResult(r.exitCode(), r.timedOut(), r.cancelled(), r.stdout(), err, r.truncated(), r.durationMs());
    }

    /**
     * Opens an exec channel for {@code execLine}. JSch waits up to 20 s for a channel to open and
     * then for the exec request's reply, deaf to interrupts: a server too loaded to answer would
     * hold Ctrl-C and the step's timeout that long. Either one ends the wait by closing the session
     * (the next step opens a new one; a command that did start is stopped by its remote watcher
     * when the connection goes).
     *
     * @throws NotStarted with the step's result when the channel could not be opened
     */
    static Opened openGuarded(Session session, String execLine, Duration timeout, Cancellation cancel, String where,
                              long start) throws UnreachableException, NotStarted {
        Opened o;
        OpenGuard guard = new OpenGuard(session);
        OpenGuard.Why stopped = null;
        try (Cancellation.Registration stop = cancel.onCancel(guard)) {
            guard.armTimeout(timeout);
            try {
                o = open(session, execLine);
            } finally {
                stopped = guard.close();
            }
        } catch (JSchException | IOException e) {
            if (stopped != null) {
                throw new NotStarted(notStarted(stopped, where, start));
            }
            if (!session.isConnected()) {
                throw new UnreachableException("connection to " + where + " was lost before the step started", e);
            }
            throw new NotStarted(new ExecResult(-1, false, false, "", "cannot start the command on " + where + ": "
                    + e.getMessage(), false, elapsed(start)));
        }
        if (stopped != null) {
            o.ch().disconnect();
            throw new NotStarted(notStarted(stopped, where, start));
        }
        return o;
    }

    /** A step that ended before its command could start, with the result to report. */
    static final class NotStarted extends Exception {
        private static final long serialVersionUID = 1L;
        final transient ExecResult result;

        NotStarted(ExecResult result) {
            super(null, null, false, false);
            this.result = result;
        }
    }

    private static ExecResult notStarted(OpenGuard.Why why, String where, long start) {
        boolean timedOut = why == OpenGuard.Why.TIMEOUT;
        return new ExecResult(-1, timedOut, !timedOut, "", (timedOut ? "timed out" : "cancelled")
                + " while " + where + " opened the channel for the command (the connection was closed)", false, elapsed(start));
    }

    /**
     * Closes the session when the run is cancelled (it is the cancellation callback) or the step's
     * time runs out while a channel opens. Named classes, not lambdas: the class-data archive is
     * trained by a local run, and every lambda first met in an SSH run is spun at run time.
     */
    private static final class OpenGuard implements Runnable {
        enum Why { CANCELLED, TIMEOUT }

        private final Session session;
        private ScheduledFuture<?> timer;
        private Why stopped;
        private boolean open = true;

        OpenGuard(Session session) {
            this.session = session;
        }

        void armTimeout(Duration timeout) {
            if (timeout != null) {
                timer = Timer.POOL.schedule(new Expiry(this), timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        /** The run was cancelled. */
        @Override
        public void run() {
            stop(Why.CANCELLED);
        }

        private void stop(Why why) {
            synchronized (this) {
                if (!open || stopped != null) {
                    return;
                }
                stopped = why;
            }
            session.disconnect();
        }

        /**
         * Called once the channel is open (or failed): from now on the step's own wait handles
         * both. Returns why the session was closed under it, or null.
         */
        Why close() {
            if (timer != null) {
                timer.cancel(false);
            }
            synchronized (this) {
                open = false;
                return stopped;
            }
        }

        private static final class Expiry implements Runnable {
            private final OpenGuard guard;

            Expiry(OpenGuard guard) {
                this.guard = guard;
            }

            @Override
            public void run() {
                guard.stop(Why.TIMEOUT);
            }
        }

        /** One daemon thread for every step's open timer, made when the first step with a timeout opens. */
        private static final class Timer implements java.util.concurrent.ThreadFactory {
            static final ScheduledThreadPoolExecutor POOL = pool();

            private static ScheduledThreadPoolExecutor pool() {
                ScheduledThreadPoolExecutor p = new ScheduledThreadPoolExecutor(1, new Timer());
                p.setRemoveOnCancelPolicy(true);  // a step's timer goes when its channel opened, not hours later
                return p;
            }

            @Override
            public Thread newThread(Runnable r) {
                Thread t = new Thread(r, "ssh-open-timer");
                t.setDaemon(true);
                return t;
            }
        }
    }

    record Opened(ChannelExec ch, InputStream out, InputStream err, OutputStream in) {}

    private static Opened open(Session session, String execLine) throws JSchException, IOException {
        ChannelExec ch = (ChannelExec) session.openChannel("exec");
        ch.setCommand(execLine.getBytes(StandardCharsets.UTF_8));
        // the streams must exist before connect, or early output is lost
        Opened o = new Opened(ch, ch.getInputStream(), ch.getErrStream(), ch.getOutputStream());
        // no timeout here: with one, JSch waits for the exec request's reply in 10 ms sleeps, a large
        // part of a short step; the open itself is awaited by notification, a dead server is caught
        // by the session's keepalives
        ch.connect();
        return o;
    }

    /** The waiting loop of one command, with its state. */
    private static final class Wait {
        private final Session session;
        private final ChannelExec ch;
        private final OutputStream in;
        private final OutputCapture stdout;
        private final OutputCapture stderr;
        private final StopClock clock;
        private final String where;

        Wait(Session session, ChannelExec ch, OutputStream in, OutputCapture stdout, OutputCapture stderr,
             Command command, Cancellation cancel, long start, String where) {
            this.session = session;
            this.ch = ch;
            this.in = in;
            this.stdout = stdout;
            this.stderr = stderr;
            this.clock = new StopClock(command.timeout(), cancel, start);
            this.where = where;
        }

        ExecResult await() throws UnreachableException {
            long exitSeen = 0;
            int pause = 1;
            try {
                while (!ch.isClosed() && session.isConnected()) {
                    long now = System.nanoTime();
                    StopClock.Next next = clock.next(now);
                    if (next == StopClock.Next.STOP) {
                        stop();
                    } else if (next == StopClock.Next.GIVE_UP) {
                        break;
                    }
                    if (ch.getExitStatus() != -1) {
                        exitSeen = exitSeen == 0 ? now : exitSeen;
                        if (now - exitSeen > DRAIN_MILLIS * 1_000_000) {
                            break; // exited, but something it started in the background holds the output open
                        }
                    }
                    if (!stdout.await(0)) {
                        stdout.await(clock.pauseMillis(now));
                    } else {
                        Thread.sleep(pause);
                        pause = Math.min(pause * 2, 20);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (clock.interrupted(System.nanoTime())) {
                    stop();
                }
            }
            return finish();
        }

        /** Asks the remote watcher to end the command's process group; end of file says the same. */
        private void stop() {
            try {
                in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
                in.flush();
                in.close();
            } catch (IOException e) {
                // the channel or connection is already gone, which stops the watcher too
            }
        }

        private ExecResult finish() throws UnreachableException {
            boolean closed = ch.isClosed();
            int exit = ch.getExitStatus();
            if (closed && exit == -1 && ch.getExitSignal() == null) {
                settle(session);
            }
            boolean lost = !session.isConnected() && exit == -1;
            if (!closed) {
                ch.disconnect();
            }
            try {
                long drain = closed && !lost ? CLOSED_DRAIN_MILLIS : DRAIN_MILLIS;
                if (!stdout.await(drain) | !stderr.await(drain)) {
                    stdout.detach();
                    stderr.detach();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stdout.detach();
                stderr.detach();
            }
            ch.disconnect();
            if (lost && !clock.stopping()) {
                throw new UnreachableException("connection to " + where
                        + " was lost while the step ran; whether the command finished is unknown");
            }
            String err = stderr.text();
            String signal = ch.getExitSignal();
            if (exit == -1 && !clock.stopping()) {
                err = err + (err.isEmpty() || err.endsWith("\n") ? "" : "\n") + (signal != null
                        ? "remote command ended by signal " + signal : "remote command ended without an exit status");
            }
            boolean stopped = clock.timedOut() || clock.cancelled();
            return new ExecResult(stopped ? -1 : exit, clock.timedOut(), clock.cancelled(), stdout.text(), err,
                    stdout.truncated(), clock.elapsedMillis());
        }
    }

    /**
     * Waits up to half a second for a session whose channel closed without an exit status to be
     * marked down: JSch closes the channels of a dying session before it marks the session itself.
     */
    static void settle(Session session) {
        long end = System.nanoTime() + 500_000_000L;
        while (session.isConnected() && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
