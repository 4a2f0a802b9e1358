package dev.runbook.exec.ssh;

import dev.runbook.exec.Command;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How one command travels to the remote shell. The exec request (visible to anyone running
 * {@code ps} there) carries only a fixed bootstrap and a random marker; everything else comes
 * over the channel's stdin:
 * <pre>
 *   [sudo password]            become only; read by {@code sudo -S}, or skipped when sudo did not ask
 *   MARKER
 *   header lines               exports of the secret env, the command line, the supervisor
 *   MARKER
 *   [script lines, MARKER]     script steps only: written to a private temporary file
 * </pre>
 * The header starts the command in a session of its own ({@code setsid}, so its process group is
 * its pid) with stdin from /dev/null, and a watcher that keeps reading our stdin: a line from us
 * (timeout, Ctrl-C) or end of file (channel closed, connection lost) ends the whole group with
 * TERM, up to two seconds of grace, then KILL, before the shell reports back. No remote process
 * outlives the step unless the command exited normally and left it behind on purpose.
 */
final class RemoteCommand {
    /** Exit status of the bootstrap itself failing (no marker, no temporary directory). */
    static final int BOOT_FAILED = 125;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Reads up to the first marker (discarding a password sudo did not read), then the header up
     * to the second, and evaluates it. One line without '!' so that any login shell (csh too) passes it on.
     */
    private static final String BOOT = "m=$0; s=; while IFS= read -r l; do [ \"$l\" = \"$m\" ] && { s=1; break; }; done;"
            + " [ -n \"$s\" ] || exit " + BOOT_FAILED + "; n=${IFS#??}; [ ${#n} = 1 ] || { n=$(printf \"\\nx\"); n=${n%x}; };"
            + " h=; s=; while IFS= read -r l; do [ \"$l\" = \"$m\" ] && { s=1; break; }; h=$h$l$n; done;"
            + " [ -n \"$s\" ] || exit " + BOOT_FAILED + "; unset l s; eval \"$h\"";

    private final String execLine;
    private final byte[] stdin;

    private RemoteCommand(String execLine, byte[] stdin) {
        this.execLine = execLine;
        this.stdin = stdin;
    }

    /** What the exec request asks the remote login shell to run: no secret in it. */
    String execLine() {
        return execLine;
    }

    /** What to write to the channel first (holds secrets: never log it). */
    byte[] stdin() {
        return stdin;
    }

    /** @throws IllegalArgumentException for an env name that is not a shell identifier, or a password with a newline */
    static RemoteCommand of(Command c) {
        for (String k : c.env().keySet()) {
            if (!NAME.matcher(k).matches()) {
                throw new IllegalArgumentException("environment variable name '" + k + "' is not valid in a shell");
            }
        }
        if (c.becomePassword() != null && (c.becomePassword().indexOf('\n') >= 0 || c.becomePassword().indexOf('\r') >= 0)) {
            throw new IllegalArgumentException("the become password contains a line break, which sudo -S cannot read");
        }
        String header = header(c);
        String marker;
        do {
            marker = "runbook-" + HexFormat.of().formatHex(bytes());
        } while (header.contains(marker) || c.line().contains(marker));
        String boot = "/bin/sh -c " + quote(BOOT) + " " + marker;
        String exec;
        if (c.becomeUser() == null) {
            exec = "exec " + boot;
        } else if (c.becomePassword() == null) {
            exec = "exec sudo -n -u " + quote(c.becomeUser()) + " -- " + boot;
        } else {
            exec = "exec sudo -S -p '' -u " + quote(c.becomeUser()) + " -- " + boot;
        }
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        if (c.becomeUser() != null && c.becomePassword() != null) {
            write(in, c.becomePassword() + "\n");
        }
        write(in, marker + "\n" + header + marker + "\n");
        if (c.script()) {
            String body = c.line().endsWith("\n") ? c.line() : c.line() + "\n";
            write(in, body + marker + "\n");
        }
        return new RemoteCommand(exec, in.toByteArray());
    }

    private static byte[] bytes() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * The program the bootstrap evaluates; {@code $0} is the marker there. Every fork counts (a
     * step should cost little more than sshd's own exec), so a temporary directory is made only
     * for a script, and the newline comes from {@code $IFS} rather than a command substitution.
     */
    private static String header(Command c) {
        StringBuilder h = new StringBuilder();
        for (Map.Entry<String, String> e : c.env().entrySet()) {
            h.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
        }
        String run;
        if (c.script()) {
            h.append("rb_d=$(umask 077 && mktemp -d \"${TMPDIR:-/tmp}/runbook.XXXXXXXX\") || { echo 'runbook: cannot create"
                    + " a private temporary directory' >&2; exit " + BOOT_FAILED + "; }\n");
            h.append("while IFS= read -r l; do [ \"$l\" = \"$0\" ] && break; printf '%s\\n' \"$l\"; done >\"$rb_d/script\"\n");
            run = quote(c.shellOrDefault()) + " \"$rb_d/script\"";
        } else {
            run = quote(c.shellOrDefault()) + " -c " + quote(c.line());
        }
        h.append("exec 3<&0\n");
        h.append("if command -v setsid >/dev/null 2>&1; then rb_s=setsid; else rb_s=; fi\n");
        h.append("$rb_s ").append(run).append(" </dev/null 3<&- &\n");
        h.append("rb_p=$!\n");
        // the watcher: a line from us or end of file on stdin ends the command's whole process group;
        // once woken it ignores TERM, so that the wait below lets it finish the KILL after the grace period
        h.append("( IFS= read -r l <&3; trap '' TERM; kill -TERM -$rb_p 2>/dev/null || kill -TERM $rb_p; i=0;"
                + " while [ $i -lt 20 ] && kill -0 -$rb_p 2>/dev/null; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1));"
                + " done; kill -KILL -$rb_p 2>/dev/null; kill -KILL $rb_p 2>/dev/null ) >/dev/null 2>&1 &\n");
        h.append("rb_w=$!\n");
        h.append("exec 3<&- 0</dev/null\n");
        // a normal exit kills the idle watcher; stderr is muted so that the shell's "Terminated" job notice stays out
        h.append("{ wait $rb_p; rb_rc=$?; kill $rb_w; wait $rb_w; } 2>/dev/null\n");
        if (c.script()) {
            h.append("rm -rf \"$rb_d\"\n");
        }
        h.append("exit $rb_rc\n");
        return h.toString();
    }

    /** One shell word in single quotes; a quote inside becomes '\''. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
