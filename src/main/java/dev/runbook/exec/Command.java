package dev.runbook.exec;

import java.time.Duration;
import java.util.Map;

/**
 * A command for a target's shell.
 *
 * @param line        the command line ({@code run}) or the script text ({@code script})
 * @param script      whether {@code line} is a script body to hand to the interpreter whole
 * @param shell       the shell or interpreter; null for {@code /bin/sh}
 * @param env         extra environment (secret values referenced by the line); never logged
 * @param timeout     null for none
 * @param becomeUser  run as this user through sudo, or null
 * @param becomePassword the sudo password, or null for passwordless sudo; for sudo alone (over stdin on a
 *                    remote host, through an askpass program here), never for the command
 */
public record Command(String line, boolean script, String shell, Map<String, String> env, Duration timeout,
                      String becomeUser, String becomePassword) {

    public Command {
        env = Map.copyOf(env);
    }

    public static Command run(String line, Duration timeout) {
        return new Command(line, false, null, Map.of(), timeout, null, null);
    }

    public String shellOrDefault() {
        return shell == null ? "/bin/sh" : shell;
    }

    @Override
    public String toString() {
        return "Command[" + line + "]";
    }
}
