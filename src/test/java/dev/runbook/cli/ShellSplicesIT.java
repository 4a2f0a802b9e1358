package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The places in a command where the shell reads a value as more than a word, through the CLI: a
 * value there arrives literally, or the step fails before its command runs (naming the step and
 * why), or {@code validate} refuses the template with its position. {@code PWNED} in the test's
 * directory is what an injected command would create.
 */
class ShellSplicesIT {
    @TempDir
    Path home;

    Cli cli;
    Path pwned;

    @BeforeEach
    void setUp() {
        cli = Cli.in(home);
        pwned = home.resolve("PWNED");
    }

    private String runbook(String name, String yaml) throws IOException {
        Path file = home.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        return file.toString();
    }

    private String touch() {
        return "$(touch " + pwned + ")";
    }

    @Test
    void anIntegerParamDoesArithmeticAndAnythingElseFailsTheStepBeforeItRuns() throws IOException {
        String file = runbook("arith", """
                name: arith
                params:
                  count: {type: string, default: "1"}
                steps:
                  - id: next
                    run: "echo next=$(( {{ params.count }} + 1 ))"
                """);

        Cli.Result ok = cli.run("run", file, "-p", "count=41", "--no-color");
        Cli.Result bad = cli.run("run", file, "-p", "count=" + touch(), "--no-color");

        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).contains("next=42");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.output()).contains("✗ next", "arith.yaml:6:28: a value spliced into $(( )) must be an integer, not '$(touch ",
                "': the shell evaluates it as arithmetic");
        assertThat(bad.output()).doesNotContain("started: echo");
        assertThat(pwned).as("a file created by the value").doesNotExist();
    }

    @Test
    void aSecretInArithmeticFailsTheStepWithoutShowingTheSecret() throws IOException {
        String file = runbook("secret-arith", """
                name: secret-arith
                params:
                  pin: {type: string, secret: true}
                steps:
                  - id: count
                    run: "echo $(( {{ params.pin }} + 1 ))"
                """);

        Cli.Result r = cli.run("run", file, "-p", "pin=73519", "--no-color");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).contains("a secret cannot be spliced into $(( ))").doesNotContain("73519");
        assertThat(Files.readString(cli.auditFile())).doesNotContain("73519");
    }

    @Test
    void aValueInBashAnsiCQuotesArrivesLiterally() throws IOException {
        String file = runbook("ansic", """
                name: ansic
                params:
                  x: {type: string}
                steps:
                  - id: show
                    shell: bash
                    run: "printf '[%s]\\\\n' $'{{ params.x }}'"
                """);
        String value = "\\' ; touch " + pwned + " ; echo \\'";

        Cli.Result r = cli.run("run", file, "-p", "x=" + value, "--no-color");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("[" + value + "]");
        assertThat(pwned).doesNotExist();
    }

    @Test
    void aLineBreakCannotEndACommentThatFollowsAParenthesis() throws IOException {
        String file = runbook("paren", """
                name: paren
                params:
                  x: {type: string}
                steps:
                  - id: s
                    run: "(true)#{{ params.x }}"
                """);

        Cli.Result r = cli.run("run", file, "-p", "x=a\ntouch " + pwned + " #", "--no-color");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.output()).contains("a value with a line break cannot be spliced into a shell comment");
        assertThat(pwned).doesNotExist();
    }

    @Test
    void aValueInsideEscapedDoubleQuotesInBackquotesArrivesLiterally() throws IOException {
        String file = runbook("bq", """
                name: bq
                params:
                  x: {type: string}
                steps:
                  - id: s
                    run: 'printf "[%s]" "`printf %s \\"{{ params.x }}\\"`"'
                """);

        Cli.Result r = cli.run("run", file, "-p", "x=" + touch() + " \"`x`\" \\", "--no-color");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("[" + touch() + " \"`x`\" \\]");
        assertThat(pwned).doesNotExist();
    }

    @Test
    void bashTestArithmeticTakesOnlyAnInteger() throws IOException {
        String file = runbook("test", """
                name: test
                params:
                  x: {type: string}
                steps:
                  - id: compare
                    shell: bash
                    run: "[[ {{ params.x }} -eq 1 ]] && echo one"
                """);

        Cli.Result one = cli.run("run", file, "-p", "x=1", "--no-color");
        Cli.Result bad = cli.run("run", file, "-p", "x=a[" + touch() + "]", "--no-color");

        assertThat(one.stdout()).as(one.toString()).contains("one");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(1);
        assertThat(bad.output()).contains("a value spliced into [[ -eq ]] must be an integer");
        assertThat(pwned).doesNotExist();
    }

    @Test
    void validateRefusesASpliceNoQuotingCanKeepOneWordAndRunRunsNothing() throws IOException {
        String file = runbook("refused", """
                name: refused
                params:
                  x: {type: string, default: a}
                steps:
                  - id: first
                    run: touch %s
                  - id: default
                    run: echo "${NAME:-{{ params.x }}}"
                  - id: reread
                    run: sh -c 'echo {{ params.x }}'
                """.formatted(pwned));

        Cli.Result validate = cli.run("validate", file);
        Cli.Result run = cli.run("run", file, "--no-color");

        assertThat(validate.exitCode()).as(validate.toString()).isEqualTo(2);
        assertThat(validate.stderr()).contains(
                "refused.yaml:8:27: error: a value cannot be spliced inside ${...}; assign it to a variable first",
                "refused.yaml:10:25: error: sh -c reads its command string as shell code again");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(pwned).as("the first step, which a refused runbook must not run").doesNotExist();
    }
}
