package dev.runbook.exec;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * How a local step reaches a {@code become} user whole. sudo resets the environment (the step's
 * params and secrets would be gone) and the become user cannot read our private script file, so
 * both travel over the pipe on sudo's stdin to a fixed bootstrap: it reads the program to the end,
 * gives the command {@code /dev/null} as its stdin (a command reads nothing of ours, become or
 * not), and evaluates it: {@link ShellProgram}'s exports of the step's environment and the command,
 * a script read by its interpreter through {@code /dev/fd/4} from a here-document. The command line shows
 * only the bootstrap; the values are in no argv.
 */
final class BecomeProgram {
    /** Runs as {@code /bin/sh -c BOOTSTRAP} under sudo. */
    static final String BOOTSTRAP = "f=$(cat) || exit 125; exec </dev/null; eval \"$f\"";
    private static final SecureRandom RANDOM = new SecureRandom();

    private BecomeProgram() {}

    /** @throws IllegalArgumentException for an environment name no shell can export */
    static byte[] of(Command command) {
        ShellProgram.checkEnv(command);
        String script = "";
        if (command.script()) {
            String body = command.line().endsWith("\n") ? command.line() : command.line() + "\n";
            String marker = marker(body);
            script = " 4<<'" + marker + "'\n" + body + marker;
        }
        // the bootstrap's own variable goes first: the command sees only its environment
        StringBuilder p = ShellProgram.exportsAndCommand(command, new StringBuilder("unset f\n"), script);
        // $(cat) drops trailing newlines: a last line of its own keeps the here-document's end a whole line
        // (a comment, which leaves the exit status of an eval'd command as it is)
        p.append("# end\n");
        return p.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A here-document delimiter no line of {@code body} is. */
    private static String marker(String body) {
        while (true) {
            byte[] r = new byte[12];
            RANDOM.nextBytes(r);
            String m = "RUNBOOK_SCRIPT_END_" + HexFormat.of().formatHex(r);
            if (body.lines().noneMatch(m::equals)) {
                return m;
            }
        }
    }
}
