package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** show, history and audit verify given input they cannot use: exit 2 and one line that says why. */
class ReadingCommandsIT {
    @TempDir
    Path home;

    Cli cli;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
    }

    private List<String> twoRuns() {
        for (int i = 0; i < 2; i++) {
            Cli.Result r = cli.run("run", e2e("succeeds.yaml"), "-p", "dir=" + home);
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }
        List<String> ids = AuditLog.ofType(cli.auditFile(), "run.started").stream().map(e -> e.path("run_id").asText()).toList();
        assertThat(ids).hasSize(2);
        return ids;
    }

    @Test
    void showWithAPrefixOfSeveralRunsSaysItIsAmbiguousAndNamesThem() {
        List<String> ids = twoRuns();
        String prefix = ids.get(0).substring(0, 4);

        Cli.Result r = cli.run("show", prefix);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr().lines()).as(r.toString()).hasSize(1);
        assertThat(r.stderr()).contains("run id '" + prefix + "' is ambiguous").contains(ids.get(0)).contains(ids.get(1))
                .doesNotContain("no run");
        Cli.Result unique = cli.run("show", ids.get(1).substring(0, ids.get(1).length() - 2));
        assertThat(unique.exitCode()).as(unique.toString()).isZero();
        assertThat(unique.stdout()).contains("run " + ids.get(1));
    }

    @Test
    void showWithAnIdOfNoRunStillSaysSo() {
        twoRuns();

        Cli.Result r = cli.run("show", "1999");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("no run '1999'");
    }

    @Test
    void historyOfARunbookWithNoRunsSaysItIsThatRunbookThatHasNone() {
        twoRuns();

        Cli.Result r = cli.run("history", "--runbook", "nope");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout().lines()).containsExactly("no runs of runbook 'nope' recorded in " + cli.auditFile());
    }

    @Test
    void historyRefusesALimitBelowOne() {
        twoRuns();

        for (String limit : List.of("0", "-1")) {
            Cli.Result r = cli.run("history", "--limit", limit);

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.stdout()).as("no runs listed").isEmpty();
            assertThat(r.stderr().lines()).containsExactly("runbook: error: --limit " + limit + ": give a number of runs, 1 or more");
        }
        Cli.Result one = cli.run("history", "--limit", "1");
        assertThat(one.exitCode()).as(one.toString()).isZero();
        assertThat(one.stdout().lines()).as("the heading and one run").hasSize(2);
    }

    private static final byte[] NOT_TEXT = {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0x80, 'x', (byte) 0xc3, '\n', 0x01, (byte) 0xfa};

    @Test
    void auditVerifyOfABinaryFileSaysItIsNoAuditTrail() throws IOException {
        Path binary = Files.write(home.resolve("image.bin"), NOT_TEXT);

        Cli.Result r = cli.run("audit", "verify", binary.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr().lines()).containsExactly(binary + ": error: not an audit trail: invalid UTF-8 at line 1");
    }

    @Test
    void auditVerifyOfATrailThatTurnsToBinaryNamesTheLineAsABreak() throws IOException {
        twoRuns();
        long lines = Files.readAllLines(cli.auditFile()).size();
        Files.write(cli.auditFile(), NOT_TEXT, StandardOpenOption.APPEND);

        Cli.Result r = cli.run("audit", "verify");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains(cli.auditFile() + ":" + (lines + 1) + ": not an audit event: invalid UTF-8");
        assertThat(r.stderr()).doesNotContain("Input length");
    }

    @Test
    void auditVerifyOfADirectorySaysItIsOne() throws IOException {
        Path dir = Files.createDirectories(home.resolve("trails"));

        Cli.Result r = cli.run("audit", "verify", dir.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).containsExactly(dir + ": error: is a directory, not an audit file");
    }

    @Test
    void historyAndShowOfABinaryTrailSayItIsNotText() throws IOException {
        Files.createDirectories(cli.state());
        Files.write(cli.auditFile(), NOT_TEXT);

        for (String[] command : List.of(new String[] {"history"}, new String[] {"show", "last"}, new String[] {"show", "2026"})) {
            Cli.Result r = cli.run(command);

            assertThat(r.exitCode()).as(r.toString()).isNotZero();
            assertThat(r.stdout()).as("no 'no runs recorded'").isEmpty();
            assertThat(r.stderr().lines()).as(r.toString())
                    .containsExactly("runbook: error: audit trail: " + cli.auditFile() + " is not an audit trail: not readable text (invalid UTF-8 at line 1)");
        }
    }
}
