package dev.runbook.exec;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How a local step reaches a {@code become} user whole. sudo resets the environment (the step's
 * params and secrets would be gone) and the become user cannot read our private script file, so
 * both travel over the pipe on sudo's stdin to a fixed bootstrap: it reads the program to the end,
 * gives the command {@code /dev/null} as its stdin (a command reads nothing of ours, become or
 * not), and evaluates it: exports of the step's environment, then the command itself, a script
 * read by its interpreter through {@code /dev/fd/3} from a here-document. The command line shows
 * only the bootstrap; the values are in no argv.
 */
final class BecomeProgram {
    /** Runs as {@code /bin/sh -c BOOTSTRAP} under sudo. */
    static final String BOOTSTRAP = "f=$(cat) || exit 125; exec </dev/null; eval \"$f\"";
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final SecureRandom RANDOM = new SecureRandom();

    private BecomeProgram() {}

    /**
     * @param direct the command's words when it runs without a shell, else null
     * @throws IllegalArgumentException for an environment name no shell can export
     */
    static byte[] of(Command command, List<String> direct) {
        StringBuilder p = new StringBuilder();
        for (Map.Entry<String, String> e : command.env().entrySet()) {
            if (!NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("'" + e.getKey() + "' cannot be passed to a become user: not a variable name");
            }
            p.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
        }
        if (direct != null) {
            p.append("exec ").append(direct.stream().map(BecomeProgram::quote).collect(Collectors.joining(" "))).append('\n');
        } else if (command.script()) {
            String body = command.line().endsWith("\n") ? command.line() : command.line() + "\n";
            String marker = marker(body);
            p.append("exec ").append(quote(command.shellOrDefault())).append(" /dev/fd/3 3<<'").append(marker).append("'\n")
                    .append(body).append(marker).append('\n');
        } else {
            p.append("exec ").append(quote(command.shellOrDefault())).append(" -c ").append(quote(command.line())).append('\n');
        }
        // $(cat) drops trailing newlines: a last line of its own keeps the here-document's end a whole line
        p.append("exit 125\n");
        return p.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A here-document delimiter no line of {@code body} is. */
    private static String marker(String body) {
        while (true) {
            byte[] r = new byte[12];
            RANDOM.nextBytes(r);
            String m = "RUNBOOK_SCRIPT_END_" + HexFormat.of().formatHex(r);
            if (!body.lines().anyMatch(m::equals)) {
                return m;
            }
        }
    }

    /** One shell word, whatever {@code s} holds. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
