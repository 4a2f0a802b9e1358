package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A param value is one shell word wherever a template puts it: bare, inside single quotes, inside
 * double quotes, in {@code run} and in {@code script}. Nothing in it runs; it arrives byte for byte.
 * {@code DIR} in a value stands for the test's directory, where the marker {@code pwned} must never appear.
 */
class InjectionIT {
    private static final List<String> OUTPUTS = List.of("run-bare", "run-single", "run-double",
            "script-bare", "script-single", "script-double");

    @TempDir
    Path home;

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "; touch DIR/pwned && touch DIR/pwned | touch DIR/pwned & touch DIR/pwned > DIR/pwned",
            "$(touch DIR/pwned) `touch DIR/pwned` $HOME ${HOME} ~ $$ $@ *",
            "'\"; touch DIR/pwned; \"'; touch DIR/pwned; '\"$(touch DIR/pwned)\"'",
            "  x\ntouch DIR/pwned\n\t",
            "\\'; touch DIR/pwned; \\\"; touch DIR/pwned; \\",
            "*",
            "{{ params.dir }} {{ raw('x; touch DIR/pwned') }} {% x %}",
    })
    void aParamValueIsKeptLiterallyAndNothingInItRuns(String template) throws IOException {
        String value = template.replace("DIR", home.toString());
        Files.writeString(home.resolve("some-file"), "so that a glob would expand");

        Cli.Result r = Cli.in(home).run("run", e2e("inject.yaml"), "-p", "dir=" + home, "-p", "value=" + value);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(home.resolve("pwned")).as("a file created by injected code").doesNotExist();
        for (String out : OUTPUTS) {
            byte[] got = Files.readAllBytes(home.resolve(out + ".out"));
            assertThat(new String(got, StandardCharsets.UTF_8)).as(out).isEqualTo(value);
        }
    }
}
