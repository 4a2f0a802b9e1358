package dev.runbook.exec.ssh;

import static dev.runbook.exec.ShellProgram.quote;

import dev.runbook.exec.Command;
import dev.runbook.exec.ShellProgram;
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
 *   [sudo password]            become only, and only once sudo asked for it (see {@link #prompt})
 *   MARKER
 *   header lines               exports of the secret env, then the command
 *   MARKER
 *   [script lines, MARKER]     script steps only
 * </pre>
 * The bootstrap shell becomes the command itself, so a step costs one shell beyond the one sshd
 * starts anyway. It is a process group leader (sshd made it a session leader; otherwise it
 * re-executes itself under {@code setsid}), and before running the command it forks a watcher
 * that keeps reading our stdin: a line from us (timeout, Ctrl-C), or end of file while the
 * command still runs (connection lost), ends the whole group with TERM, up to two seconds of
 * grace, then KILL. End of file after the command exited is a normal end, and processes it left
 * behind on purpose stay. A script is written to a private temporary file that is unlinked
 * before the interpreter starts, which reads it through {@code /dev/fd/4}.
 */
final class RemoteCommand {
    /** Exit status of the bootstrap itself failing (no marker, no temporary directory). */
    static final int BOOT_FAILED = 125;
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Forked before the command: waits on our stdin, then TERM to the group, up to 2 s for the
     * leader to go, KILL to the group (itself included). TERM is ignored here so that it lives to
     * send the KILL; end of file after the leader exited means there is nothing to stop.
     * Defined as a function of the bootstrap so that its text is not read byte by byte from stdin.
     */
    private static final String WATCHER = "rb_w() { ( trap '' TERM; IFS= read -r l || { kill -0 $rb_p 2>/dev/null || exit 0; };"
            + " kill -TERM -$rb_p 2>/dev/null || kill -TERM $rb_p; i=0;"
            + " while [ $i -lt 20 ] && kill -0 $rb_p 2>/dev/null; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done;"
            + " kill -KILL -$rb_p 2>/dev/null || kill -KILL $rb_p ) <&3 >/dev/null 2>&1 & };";

    /**
     * The bootstrap, {@code LEADER [STARTED] BOOT}, runs as {@code sh -c 'eval "$2"' sh MARKER BOOTSTRAP}:
     * makes sure it leads its process group, reads up to the first marker, then the header up to
     * the second, and evaluates it. One line without '!' so that any login shell (csh too) passes
     * it on; the newline comes from {@code $IFS} rather than a command substitution.
     */
    private static final String LEADER = "kill -0 -$$ 2>/dev/null || { command -v setsid >/dev/null 2>&1"
            + " && exec setsid /bin/sh -c 'eval \"$2\"' sh \"$1\" \"$2\"; }; ";
    /** As a become user whose sudo was given a password, the bootstrap first says it started (the marker on stderr). */
    private static final String STARTED = "printf '%s\\n' \"$1\" >&2; ";
    private static final String BOOT = WATCHER
            + " m=$1; s=; while IFS= read -r l; do [ \"$l\" = \"$m\" ] && { s=1; break; }; done;"
            + " [ -n \"$s\" ] || exit " + BOOT_FAILED + "; n=${IFS#??}; [ ${#n} = 1 ] || { n=$(printf \"\\nx\"); n=${n%x}; };"
            + " h=; s=; while IFS= read -r l; do [ \"$l\" = \"$m\" ] && { s=1; break; }; h=$h$l$n; done;"
            + " [ -n \"$s\" ] || exit " + BOOT_FAILED + "; eval \"$h\"";

    private final String execLine;
    private final byte[] stdin;
    private final String prompt;
    private final byte[] password;
    private final String marker;

    private RemoteCommand(String execLine, byte[] stdin, String prompt, byte[] password, String marker) {
        this.execLine = execLine;
        this.stdin = stdin;
        this.prompt = prompt;
        this.password = password;
        this.marker = marker;
    }

    /**
     * The prompt sudo prints on stderr when it wants the become password, or null when no
     * password goes to sudo. The password is written only when this prompt appears, once: a
     * second prompt means it was refused, and sudo then reads end of file, not our next lines
     * (which it would take as further attempts: the header holds the step's secret env).
     */
    String prompt() {
        return prompt;
    }

    /** The password line for sudo (holds a secret: never log it). */
    byte[] password() {
        return password;
    }

    /** The line the bootstrap writes on stderr once sudo let it start, when {@link #prompt} is not null. */
    String started() {
        return marker;
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
        ShellProgram.checkEnv(c);
        String pw = c.becomePassword();
        if (pw != null && (pw.indexOf('\n') >= 0 || pw.indexOf('\r') >= 0)) {
            throw new IllegalArgumentException("the become password contains a line break, which sudo -S cannot read");
        }
        String header = header(c);
        String marker = marker(header, c.line());
        boolean asks = c.becomeUser() != null && pw != null;
        String boot = "/bin/sh -c 'eval \"$2\"' sh " + marker + " " + quote(LEADER + (asks ? STARTED : "") + BOOT);
        String exec;
        String prompt = null;
        if (c.becomeUser() == null) {
            exec = "exec " + boot;
        } else if (pw == null) {
            exec = "exec sudo -n -u " + quote(c.becomeUser()) + " -- " + boot;
        } else {
            // no '%': sudo expands it in a prompt; no blank, so that it is one word wherever it shows
            prompt = "[runbook-sudo-" + HexFormat.of().formatHex(bytes()) + "]";
            exec = "exec sudo -S -p " + quote(prompt) + " -u " + quote(c.becomeUser()) + " -- " + boot;
        }
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        write(in, marker + "\n" + header + marker + "\n");
        if (c.script()) {
            write(in, (c.line().endsWith("\n") ? c.line() : c.line() + "\n") + marker + "\n");
        }
        byte[] password = asks ? (pw + "\n").getBytes(StandardCharsets.UTF_8) : null;
        return new RemoteCommand(exec, in.toByteArray(), prompt, password, marker);
    }

    /** A random marker that none of the texts contains. */
    static String marker(String... texts) {
        while (true) {
            String marker = "runbook-" + HexFormat.of().formatHex(bytes());
            boolean clash = false;
            for (String t : texts) {
                clash |= t.contains(marker);
            }
            if (!clash) {
                return marker;
            }
        }
    }

    private static byte[] bytes() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * The program the bootstrap evaluates, in the bootstrap's own process ({@code $m} is the
     * marker). The secret env is exported last, after our own variables are gone, so that a
     * variable of any name reaches the command unchanged.
     */
    private static String header(Command c) {
        StringBuilder h = new StringBuilder();
        if (c.script()) {
            String tmp = c.env().containsKey("TMPDIR") ? quote(c.env().get("TMPDIR")) : "\"${TMPDIR:-/tmp}\"";
            h.append("rb_d=$(umask 077 && mktemp -d ").append(tmp).append("/runbook.XXXXXXXX) || { echo 'runbook: cannot"
                    + " create a private temporary directory' >&2; exit " + BOOT_FAILED + "; }\n");
            h.append("while IFS= read -r l; do [ \"$l\" = \"$m\" ] && break; printf '%s\\n' \"$l\"; done >\"$rb_d/s\"\n");
        }
        h.append("exec 3<&0; rb_p=$$; rb_w\n");
        if (c.script()) {
            h.append("exec 3<&- </dev/null 4<\"$rb_d/s\"\nrm -rf \"$rb_d\"\n");
        } else {
            h.append("exec 3<&- </dev/null\n");
        }
        h.append("unset m h n l s rb_p rb_d; unset -f rb_w; set --\n");
        // the script is on fd 4 already
        return ShellProgram.exportsAndCommand(c, h, "").toString();
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
