package dev.runbook.cli;

import dev.runbook.engine.Gate;
import dev.runbook.engine.RunControl;
import dev.runbook.model.Visible;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Gates for a person at the command line: {@code --yes} approves all, {@code --approve ID} one;
 * otherwise the terminal is asked, and with no terminal the gate fails closed. Waiting for an
 * answer stays interruptible: Ctrl-C or the run's deadline ends the wait at once.
 */
final class CliGate implements Gate {
    private static final String EOF = "\u0000eof";
    static final int WORD_ATTEMPTS = 3;

    private final boolean yes;
    private final Set<String> approved;
    private final Terminal term;
    private final Console console;
    private final String user;
    private final RunControl control;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private Thread reader;

    /** @param console the live console to pause while asking, or null (e.g. with --output json) */
    CliGate(boolean yes, Set<String> approved, Terminal term, Console console, String user, RunControl control) {
        this.yes = yes;
        this.approved = approved;
        this.term = term;
        this.console = console;
        this.user = user;
        this.control = control;
    }

    @Override
    public Decision ask(Request r) {
        if (approved.contains(r.stepId())) {
            return Decision.approve(user, "flag");
        }
        // a typed-word gate guards something destructive: --yes alone does not cover it
        if (yes && r.word() == null) {
            return Decision.approve(user, "flag");
        }
        java.io.Console tty = System.console();
        if (!term.interactive || tty == null) {
            return Decision.deny(user, "rule", r.word() != null
                    ? "this gate needs the word '" + r.word() + "' typed on a terminal, or --approve " + r.stepId() + " (--yes does not cover it)"
                    : "no terminal to ask, and neither --yes nor --approve " + r.stepId() + " was given");
        }
        if (console != null) {
            console.pause();
        }
        PrintWriter w = tty.writer();
        if (r.word() == null) {
            w.print(term.yellow("? ") + term.bold(Visible.line(r.prompt())) + " [y/N] ");
            w.flush();
            String answer = await();
            if (answer == null || answer.equals(EOF)) {
                return unanswered(w, answer);
            }
            answer = answer.strip();
            return answer.equalsIgnoreCase("y") || answer.equalsIgnoreCase("yes") ? Decision.approve(user, "tty")
                    : Decision.deny(user, "tty", "answered '" + answer + "'");
        }
        return typedWord(r, w);
    }

    /**
     * A typo is not a refusal: the word may be typed {@value #WORD_ATTEMPTS} times (an empty line is one
     * of them). End of input or Ctrl-C denies at once.
     */
    private Decision typedWord(Request r, PrintWriter w) {
        // a prompt is rendered from params: shown escaped, it cannot redraw the question or the lines above
        w.print(term.yellow("? ") + term.bold(Visible.line(r.prompt())) + "\n");
        for (int attempt = 1; ; attempt++) {
            w.print("  type " + term.bold(Visible.line(r.word())) + " to proceed: ");
            w.flush();
            String answer = await();
            if (answer == null || answer.equals(EOF)) {
                return unanswered(w, answer).withAttempts(attempt - 1);
            }
            if (answer.strip().equals(r.word())) {
                return Decision.approve(user, "tty").withAttempts(attempt);
            }
            int left = WORD_ATTEMPTS - attempt;
            if (left == 0) {
                return Decision.deny(user, "tty", "the typed word did not match in " + WORD_ATTEMPTS + " tries").withAttempts(attempt);
            }
            w.println(term.red("  did not match, " + left + (left == 1 ? " try" : " tries") + " left"));
        }
    }

    /** The denial for a wait that ended without a line: Ctrl-C or the deadline (null), or end of input. */
    private Decision unanswered(PrintWriter w, String answer) {
        if (answer == null) {
            w.println();
            w.flush();
            return Decision.deny(user, "tty", "interrupted while asking (" + control.current().reason() + ")");
        }
        return Decision.deny(user, "tty", "no answer (end of input)");
    }

    /** The next line typed, or null once the run is interrupted while waiting. */
    private String await() {
        startReader();
        while (!control.current().isCancelled()) {
            try {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null) {
                    return control.current().isCancelled() ? null : line;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** One reader thread for the whole run, so a line typed late still answers the next question. */
    private synchronized void startReader() {
        if (reader != null) {
            return;
        }
        reader = new Thread(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            try {
                String l;
                while ((l = in.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the terminal went away: treated as end of input
            }
            lines.add(EOF);
        }, "terminal-reader");
        reader.setDaemon(true);
        reader.start();
    }
}
