package dev.runbook.expr;

import dev.runbook.expr.ShellSite.Check;
import java.util.Set;

/**
 * Follows the words of one simple command far enough to know which of them a shell reads again as
 * code (eval's arguments, the command string of {@code sh -c} and of {@code su -c}, ssh's remote
 * command, watch's command) or evaluates as arithmetic (let's arguments). Each word is given as its
 * literal text, or null when quotes, expansions or splices make it more than plain characters.
 *
 * <p>A heuristic, not a parser of every program's options: it knows the shells, a few commands that
 * run another one ({@code sudo}, {@code env}, {@code timeout}...) and the options of ssh. A command
 * it does not know that hands its arguments to a shell (GNU parallel, tmux) is the author's to
 * avoid; README says so.
 */
final class ShellCommand {

    /** What the shell does with a word beyond taking it as one argument. */
    record Use(Check check, String what, String refusal) {
        static final Use PLAIN = new Use(Check.NONE, null, null);
    }

    private enum State { START, WRAPPER, OTHER, SHELL, SHELL_OPTION_ARG, STDIN_SHELL, SU, SCRIPT, SSH, SSH_OPTION_ARG, REMOTE,
        REREAD, LET, DONE }

    private static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "ksh", "mksh", "zsh", "ash", "yash");
    private static final Set<String> WRAPPERS = Set.of("sudo", "doas", "env", "exec", "command", "builtin", "nohup",
            "time", "nice", "ionice", "setsid", "stdbuf", "timeout", "chroot", "xargs", "busybox", "unbuffer", "nsenter");
    private static final String SSH_OPTIONS_WITH_ARGUMENT = "BbcDEeFIiJLlmOopQRSWw";

    private State state = State.START;
    private String program;
    private ShellCommand remote;
    private boolean remoteUnknown;

    /** How the next word of the command will be used. */
    Use next() {
        return switch (state) {
            case SCRIPT -> new Use(Check.NONE, null, scriptRefusal());
            case REREAD, REMOTE -> new Use(Check.NONE, null, rereadRefusal());
            case LET -> new Use(Check.INTEGER, "let", null);
            default -> Use.PLAIN;
        };
    }

    /** Whether no command word has been read yet (only assignments, if anything). */
    boolean atCommandWord() {
        return state == State.START;
    }

    /**
     * Whether the command reads its standard input as shell code (a here-document given to it):
     * a shell with neither {@code -c} nor a script file, ssh with no remote command or one that does.
     */
    boolean readsStdinAsCode() {
        return switch (state) {
            case SHELL, SHELL_OPTION_ARG, STDIN_SHELL -> true;
            case REMOTE -> remote == null || remoteUnknown || remote.readsStdinAsCode();
            default -> false;
        };
    }

    /** Why a value cannot be spliced into a here-document this command reads as code. */
    String stdinRefusal() {
        if (program.equals("ssh")) {
            return "ssh hands this here-document to the remote shell or a remote command runbook cannot see, which may "
                    + "read it as code, where a spliced value would not stay one word; run the step on that host with targets: instead";
        }
        return program + " reads this here-document as shell code, where a spliced value would not stay one word; "
                + "pass the value as an argument instead: " + program + " -s -- {{ value }} <<'EOF' and \"$1\" inside";
    }

    /**
     * A word of the command has been read.
     *
     * @param prefix  its plain characters up to the first quote, expansion or splice
     * @param literal whether the word is those characters alone
     */
    void word(String prefix, boolean literal) {
        boolean assignment = prefix.matches("[A-Za-z_][A-Za-z0-9_]*(\\[[^\\]]*])?\\+?=.*");
        state = state == State.START && assignment ? State.START : after(literal ? prefix : null);
    }

    private State after(String w) {
        return switch (state) {
            case START, WRAPPER -> commandWord(w);
            case OTHER -> shell(w, State.OTHER);
            case SHELL -> shellOption(w);
            case SHELL_OPTION_ARG -> State.SHELL;
            case SU -> "-c".equals(w) || "--command".equals(w) ? State.SCRIPT : State.SU;
            case SCRIPT, DONE -> State.DONE;
            case SSH -> sshOption(w);
            case SSH_OPTION_ARG -> State.SSH;
            case STDIN_SHELL, REREAD, LET -> state;
            case REMOTE -> remoteWord(w);
        };
    }

    private State commandWord(String w) {
        if (w == null) {
            return State.OTHER;
        }
        if (state == State.WRAPPER && (w.startsWith("-") || w.contains("=") || w.matches("[0-9.]+[smhd]?"))) {
            return State.WRAPPER;
        }
        String name = basename(w);
        if (WRAPPERS.contains(name)) {
            return State.WRAPPER;
        }
        program = name;
        return switch (name) {
            case "eval", "watch" -> State.REREAD;
            case "ssh" -> State.SSH;
            case "su", "runuser" -> State.SU;
            case "let" -> State.LET;
            default -> shell(w, State.OTHER);
        };
    }

    private State shell(String w, State otherwise) {
        if (w != null && SHELLS.contains(basename(w))) {
            program = basename(w);
            return State.SHELL;
        }
        return otherwise;
    }

    private static State shellOption(String w) {
        if (w == null) {
            return State.OTHER;
        }
        if (w.matches("-[A-Za-z]*c[A-Za-z]*")) {
            return State.SCRIPT;
        }
        if (w.matches("-[A-Za-z]*s[A-Za-z]*")) {
            return State.STDIN_SHELL; // the words after it are arguments; the script is stdin
        }
        if (w.matches("[-+][oO]")) {
            return State.SHELL_OPTION_ARG;
        }
        return w.startsWith("-") || w.startsWith("+") ? State.SHELL : State.OTHER;
    }

    private State remoteWord(String w) {
        if (remote == null) {
            remote = new ShellCommand();
            remoteUnknown = w == null;
        }
        remote.state = remote.after(w);
        return State.REMOTE;
    }

    private static State sshOption(String w) {
        if (w == null || !w.startsWith("-")) {
            return State.REMOTE; // the destination: every word after it is the remote command
        }
        boolean takesNext = w.matches("-[A-Za-z0-9]+") && SSH_OPTIONS_WITH_ARGUMENT.indexOf(w.charAt(w.length() - 1)) >= 0;
        return takesNext ? State.SSH_OPTION_ARG : State.SSH;
    }

    private static String basename(String w) {
        return w.substring(w.lastIndexOf('/') + 1);
    }

    private String scriptRefusal() {
        if (program.equals("su") || program.equals("runuser")) {
            return program + " -c hands its command string to a shell that reads it as code again, where a spliced value "
                    + "would not stay one word; run the command with sudo -u USER instead, each argument one word";
        }
        return program + " -c reads its command string as shell code again, where a spliced value would not stay one word; "
                + "pass the value as an argument instead: " + program + " -c '... \"$1\"' " + program + " {{ value }}";
    }

    private String rereadRefusal() {
        return switch (program) {
            case "eval" -> "eval reads its arguments as shell code again, where a spliced value would not stay one word; "
                    + "set a variable first and quote it inside: v={{ value }}; eval 'cmd \"$v\"'";
            case "ssh" -> "ssh hands its remote command to the remote shell, which reads it as code again, where a spliced "
                    + "value would not stay one word; run the step on that host with targets: instead";
            default -> program + " hands its command to sh -c, which reads it as code again, where a spliced value would "
                    + "not stay one word; loop in the step instead (while :; do ...; sleep N; done)";
        };
    }
}
