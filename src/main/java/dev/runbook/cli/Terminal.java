package dev.runbook.cli;

import java.io.PrintStream;

/**
 * Where human output goes, and whether it is a terminal: colours and live lines only on one,
 * and never when {@code NO_COLOR} is set.
 */
final class Terminal {
    final PrintStream out;
    final PrintStream err;
    final boolean interactive;
    final boolean color;

    Terminal(PrintStream out, PrintStream err, boolean interactive, boolean color) {
        this.out = out;
        this.err = err;
        this.interactive = interactive;
        this.color = color;
    }

    static Terminal system(boolean noColor) {
        boolean tty = System.console() != null;
        String noColorEnv = System.getenv("NO_COLOR");
        boolean color = tty && !noColor && (noColorEnv == null || noColorEnv.isEmpty()) && !"dumb".equals(System.getenv("TERM"));
        return new Terminal(System.out, System.err, tty, color);
    }

    String green(String s) {
        return paint("32", s);
    }

    String red(String s) {
        return paint("31", s);
    }

    String yellow(String s) {
        return paint("33", s);
    }

    String dim(String s) {
        return paint("2", s);
    }

    String bold(String s) {
        return paint("1", s);
    }

    private String paint(String code, String s) {
        return color ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }
}
