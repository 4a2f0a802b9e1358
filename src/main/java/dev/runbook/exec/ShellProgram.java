package dev.runbook.exec;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The end of every program that runs a step through a bootstrap shell of ours (over SSH, in a
 * persistent remote shell, as a local become user): the step's environment exported, then the
 * command. The values travel in the program, never on a command line.
 */
public final class ShellProgram {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private ShellProgram() {}

    /** @throws IllegalArgumentException for an env name that is not a shell identifier */
    public static void checkEnv(Command c) {
        for (String k : c.env().keySet()) {
            if (!NAME.matcher(k).matches()) {
                throw new IllegalArgumentException("environment variable name '" + k + "' is not valid in a shell");
            }
        }
    }

    /**
     * Appends the exports and the command to {@code h}. Called after the bootstrap's own variables
     * are gone, so that a variable of any name reaches the command unchanged. A script's
     * interpreter reads it from fd 4, opened by the caller beforehand or by {@code scriptRedirect}
     * (written after the interpreter's words, e.g. a here-document).
     */
    public static StringBuilder exportsAndCommand(Command c, StringBuilder h, String scriptRedirect) {
        for (Map.Entry<String, String> e : c.env().entrySet()) {
            h.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
        }
        if (c.script()) {
            h.append("exec ").append(quote(c.shellOrDefault())).append(" /dev/fd/4").append(scriptRedirect).append('\n');
        } else if (c.shell() == null) {
            // the default shell is this one: no exec of another /bin/sh for the command
            h.append("eval ").append(quote(c.line())).append('\n');
        } else {
            h.append("exec ").append(quote(c.shell())).append(" -c ").append(quote(c.line())).append('\n');
        }
        return h;
    }

    /** One shell word in single quotes; a quote inside becomes '\''. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
