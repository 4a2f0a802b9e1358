package dev.runbook.cli;

import dev.runbook.engine.Gate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Gates for a person at the command line: {@code --yes} approves all, {@code --approve ID} one;
 * otherwise a terminal is asked, and with no terminal the gate fails closed.
 */
final class CliGate implements Gate {
    private final boolean yes;
    private final Set<String> approved;
    private final Terminal term;
    private final Console console;
    private final String user;
    private BufferedReader stdin;

    CliGate(boolean yes, Set<String> approved, Terminal term, Console console, String user) {
        this.yes = yes;
        this.approved = approved;
        this.term = term;
        this.console = console;
        this.user = user;
    }

    @Override
    public Decision ask(Request r) {
        if (yes) {
            return Decision.approve(user, "flag");
        }
        if (approved.contains(r.stepId())) {
            return Decision.approve(user, "flag");
        }
        if (!term.interactive || console == null) {
            return Decision.deny(user, "rule", "no terminal to ask, and neither --yes nor --approve " + r.stepId() + " was given");
        }
        synchronized (console) {
            console.pause();
            String question = r.word() != null
                    ? term.bold(r.prompt()) + "\n  type " + term.bold(r.word()) + " to proceed: "
                    : term.bold(r.prompt()) + " [y/N] ";
            term.out.print(term.yellow("? ") + question);
            term.out.flush();
            String answer = readLine();
            if (answer == null) {
                return Decision.deny(user, "tty", "no answer (end of input)");
            }
            answer = answer.strip();
            boolean ok = r.word() != null ? answer.equals(r.word()) : answer.equalsIgnoreCase("y") || answer.equalsIgnoreCase("yes");
            return ok ? Decision.approve(user, "tty")
                    : Decision.deny(user, "tty", r.word() != null ? "the typed word did not match" : "answered '" + answer + "'");
        }
    }

    private String readLine() {
        try {
            if (System.console() != null) {
                return System.console().readLine();
            }
            if (stdin == null) {
                stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            }
            return stdin.readLine();
        } catch (IOException e) {
            return null;
        }
    }
}
