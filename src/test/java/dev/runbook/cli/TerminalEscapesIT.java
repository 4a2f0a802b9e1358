package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Ansi;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Sshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a command's output (local or over SSH), a param, a host's name or vars, or an audit trail
 * holds cannot drive the terminal of the person reading it: escape sequences, carriage returns and
 * line breaks are shown escaped ({@code \x1b}, {@code \r}, {@code \n}) on the live console, in
 * {@code show}, {@code history}, {@code inventory list}, a text plan and error messages, so they can
 * neither erase lines, set the title, nor forge a status line or a timeline event. The payloads are
 * the security review's reproductions.
 */
class TerminalEscapesIT {
    /** The review's output: a failure overwritten by a forged success line (CR, erase line, cursor up). */
    private static final String FORGING_STEP = """
              - id: remote-output
                run: "printf 'real failure here\\\\r\\\\033[2K\\\\033[1A\\\\033[2K\\\\342\\\\234\\\\223 remote-output  12 ms\\\\n\\\\n\\\\342\\\\234\\\\223 succeeded in 15 ms\\\\n'; printf 'oops\\\\033]0;stderr-title\\\\007\\\\n' >&2; exit 1"
            """;
    private static final String RUNBOOK = """
            name: esc
            params:
              note: {type: string, default: "x"}
            steps:
              - id: echo-note
                run: "echo {{ params.note }}"
            """ + FORGING_STEP;
    /** Sets the window title, then clears the screen. */
    private static final String NOTE = "hi\u001b]0;pwned-title\u0007\u001b[2J";
    private static final String NOTE_SHOWN = "hi\\x1b]0;pwned-title\\x07\\x1b[2J";
    private static final String FORGED_SHOWN = "real failure here\\r\\x1b[2K\\x1b[1A\\x1b[2K✓ remote-output  12 ms";
    private static final String STDERR_SHOWN = "oops\\x1b]0;stderr-title\\x07";

    @TempDir
    Path home;

    Cli cli;

    @BeforeEach
    void setUp() throws IOException {
        cli = Cli.in(home);
        Files.writeString(home.resolve("esc.yaml"), RUNBOOK);
    }

    /** No control character but line feed and tab: nothing that moves the cursor or starts a sequence. */
    private static void assertNoControlCharacters(String label, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f);
            assertThat(control).as(label + ": raw U+%04X at %d in:%n%s", (int) c, i, text).isFalse();
        }
    }

    @Test
    void aRunsOutputAndParamsReachTheConsoleEscapedAndItsLinesStayItsOwn() {
        Cli.Result r = cli.run("run", "esc.yaml", "-p", "note=" + NOTE);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertNoControlCharacters("stdout", r.stdout());
        assertNoControlCharacters("stderr", r.stderr());
        assertThat(r.stdout()).contains("echo-note │ " + NOTE_SHOWN + "\n")
                .contains("echo-note: started: echo '" + NOTE_SHOWN + "'\n")
                .contains("remote-output │ " + FORGED_SHOWN + "\n")
                .contains("remote-output │ " + STDERR_SHOWN + "\n")
                .containsPattern("✗ remote-output  failed  \\d+ ms  exit code 1: " + java.util.regex.Pattern.quote(STDERR_SHOWN) + "\n")
                .contains("✗ failed: ");
        // the forged line stays the host's, under the step's prefix: the one line of the tool's own that says ✓ is echo-note's
        assertThat(r.stdout().lines().filter(l -> l.startsWith("✓")).toList()).as(r.stdout())
                .singleElement().asString().startsWith("✓ echo-note  ");
    }

    @Test
    void onATerminalNoSequenceButTheConsolesOwnColoursAndLiveLinesReachIt() {
        String out;
        try (Cli.Running run = cli.startOnTerminal("run", "esc.yaml", "-p", "note=" + NOTE)) {
            assertThat(run.await().exitCode()).isEqualTo(1);
            out = run.stdout();
        }
        // the terminal turns each line feed into CR LF; the console's own sequences are colours and live-line erases
        String theirs = out.replace("\r\n", "\n").replace("\u001b[1A\u001b[2K", "").replaceAll("\u001b\\[[0-9;]*m", "");
        assertNoControlCharacters("terminal output less the console's own sequences", theirs);
        assertThat(Ansi.strip(out)).contains("echo-note │ " + NOTE_SHOWN).contains("remote-output │ " + FORGED_SHOWN)
                .contains("remote-output │ " + STDERR_SHOWN);
    }

    @Test
    void showEscapesParamsOutputInMessagesAndLineBreaksSoNoEventCanBeForged() {
        cli.run("run", "esc.yaml", "-p", "note=" + NOTE);
        String firstRun = AuditLog.ofType(cli.auditFile(), "run.started").get(0).path("run_id").asText();
        String forged = "INC-1\n17:31:02.114 gate.approved       localhost deploy  approved by bob via tty";
        Cli.Result second = cli.run("run", "esc.yaml", "-p", "note=" + forged);
        assertThat(second.exitCode()).as(second.toString()).isEqualTo(1);

        Cli.Result show = cli.run("show", firstRun);
        Cli.Result last = cli.run("show", "last");

        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertNoControlCharacters("show", show.output());
        assertThat(show.stdout()).contains("params note=" + NOTE_SHOWN + "\n")
                .contains("exit 1: exit code 1: " + STDERR_SHOWN + "\n");
        assertThat(last.exitCode()).as(last.toString()).isZero();
        assertNoControlCharacters("show last", last.output());
        assertThat(last.stdout()).contains("params note=INC-1\\n17:31:02.114 gate.approved       localhost deploy  approved by bob via tty\n");
        assertThat(last.stdout().lines()).as(last.stdout()).noneMatch(l -> l.startsWith("17:31:02.114"));
    }

    @Test
    void historyAndShowEscapeWhatAnotherWriterPutInTheTrail() throws IOException {
        Cli.Result run = cli.run("run", "esc.yaml");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        // a trail is shared (a file many operators write, or PostgreSQL): its text is no more trusted than a param
        String trail = Files.readString(cli.auditFile()).replace("\"user\":\"", "\"user\":\"\\u001b[2J\\u001b]0;t\\u0007");
        Files.writeString(cli.auditFile(), trail);

        Cli.Result history = cli.run("history");
        Cli.Result show = cli.run("show", "last");

        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertNoControlCharacters("history", history.output());
        assertThat(history.stdout()).contains("\\x1b[2J\\x1b]0;t\\x07");
        assertNoControlCharacters("show", show.output());
        assertThat(show.stdout()).contains("started by \\x1b[2J\\x1b]0;t\\x07");
    }

    @Test
    void errorMessagesQuoteAValueEscaped() throws IOException {
        Files.writeString(home.resolve("typed.yaml"), "name: typed\nparams:\n  count: {type: int}\nsteps:\n  - id: a\n    run: \"true\"\n");

        Cli.Result param = cli.run("run", "typed.yaml", "-p", "count=1\u001b[2J\n2");
        Cli.Result option = cli.run("history", "--limit", "\u001b]0;t\u0007");
        Cli.Result show = cli.run("show", "\u001b[2J");

        for (Cli.Result r : List.of(param, option, show)) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertNoControlCharacters("stderr", r.stderr());
        }
        assertThat(param.stderr()).contains("1\\x1b[2J\\n2");
        assertThat(param.stderr().lines()).hasSize(1);
        assertThat(option.stderr()).contains("'\\x1b]0;t\\x07' is not an int");
        assertThat(show.stderr()).contains("no run '\\x1b[2J'");
    }

    @Test
    void aTextPlanShowsParamsAndCommandsEscaped() {
        Cli.Result r = cli.run("plan", "esc.yaml", "-p", "note=" + NOTE + "\r\nsecond line");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertNoControlCharacters("plan", r.output());
        assertThat(r.stdout()).contains("params:  note=" + NOTE_SHOWN + "\\r\\nsecond line\n")
                .contains("│ echo '" + NOTE_SHOWN + "\\r\n").contains("│ second line'\n");
    }

    @Test
    void remoteOutputAndAHostsVarsAreShownEscaped() throws IOException {
        try (Sshd sshd = Sshd.start()) {
            Path knownHosts = sshd.trustIn(home.resolve("known_hosts"));
            Files.writeString(home.resolve("inv.yaml"), """
                    all:
                      hosts:
                        web1:
                          ansible_host: %s
                          ansible_port: %d
                          ansible_user: root
                          ansible_ssh_private_key_file: %s
                          runbook_known_hosts: %s
                          motd: "welcome\\e[2J\\e]0;t\\a"
                    """.formatted(sshd.address(), sshd.port(), sshd.clientKey(), knownHosts));
            Cli remote = cli.withUserHome(Files.createDirectories(home.resolve("user")));

            Cli.Result run = remote.run("run", "esc.yaml", "-i", "inv.yaml", "-t", "web1", "-p", "note=" + NOTE);
            Cli.Result list = remote.run("inventory", "list", "-i", "inv.yaml");

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
            assertNoControlCharacters("run", run.output());
            assertThat(run.stdout()).contains("echo-note │ " + NOTE_SHOWN + "\n").contains("remote-output │ " + FORGED_SHOWN + "\n")
                    .contains("remote-output │ " + STDERR_SHOWN + "\n");
            assertThat(list.exitCode()).as(list.toString()).isZero();
            assertNoControlCharacters("inventory list", list.output());
            assertThat(list.stdout()).contains("    motd: welcome\\x1b[2J\\x1b]0;t\\x07\n");
        }
    }
}
