package dev.runbook.cli;

import static dev.runbook.testing.Cli.e2e;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A param value is one shell word wherever a template puts it: bare, inside single quotes, inside
 * double quotes, in {@code run} and in {@code script}. Nothing in it runs; it arrives byte for byte.
 * {@code DIR} in a value stands for the test's directory, where the marker {@code pwned} must never
 * appear. Two runs serve every test: one splices eight values through a loop, one a param directly.
 */
class InjectionIT {
    private static final List<String> VALUES = List.of(
            "; touch DIR/pwned && touch DIR/pwned | touch DIR/pwned & touch DIR/pwned > DIR/pwned",
            "$(touch DIR/pwned) `touch DIR/pwned` $HOME ${HOME} ~ $$ $@ *",
            "'\"; touch DIR/pwned; \"'; touch DIR/pwned; '\"$(touch DIR/pwned)\"'",
            "  x\ntouch DIR/pwned\n\t",
            "\\'; touch DIR/pwned; \\\"; touch DIR/pwned; \\",
            "*",
            "{{ params.dir }} {{ raw('x; touch DIR/pwned') }} {% x %}",
            "!\\$(touch DIR/pwned)\\`touch DIR/pwned\\`");
    private static final String DIRECT = "'\"$(touch DIR/pwned)\"'`touch DIR/pwned`; touch DIR/pwned\n\\$(touch DIR/pwned) *";
    private static final List<String> POSITIONS = List.of("run-bare", "run-single", "run-double",
            "script-bare", "script-single", "script-double");

    @TempDir
    static Path home;

    static Cli.Result loopRun;
    static Cli.Result directRun;

    @BeforeAll
    static void runBothRunbooks() throws IOException {
        Files.writeString(home.resolve("some-file"), "so that a glob would expand");
        Files.createDirectories(home.resolve("direct"));
        List<String> args = new ArrayList<>(List.of("run", e2e("inject-many.yaml"), "-p", "dir=" + home));
        for (int i = 0; i < VALUES.size(); i++) {
            args.addAll(List.of("-p", "v" + i + "=" + value(i)));
        }
        Cli cli = Cli.in(home);
        loopRun = cli.run(args.toArray(String[]::new));
        directRun = cli.run("run", e2e("inject.yaml"), "-p", "dir=" + home.resolve("direct"), "-p", "value=" + direct());
    }

    private static String value(int i) {
        return VALUES.get(i).replace("DIR", home.toString());
    }

    private static String direct() {
        return DIRECT.replace("DIR", home.toString());
    }

    static Stream<Arguments> values() {
        return IntStream.range(0, VALUES.size()).mapToObj(i -> Arguments.of(i, VALUES.get(i)));
    }

    @Test
    void nothingInjectedRanAndBothRunsSucceeded() {
        assertThat(home.resolve("pwned")).as("a file created by injected code").doesNotExist();
        assertThat(home.resolve("direct/pwned")).doesNotExist();
        assertThat(loopRun.exitCode()).as(loopRun.toString()).isZero();
        assertThat(directRun.exitCode()).as(directRun.toString()).isZero();
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("values")
    void aValueSplicedThroughALoopArrivesByteForByteInEveryPosition(int i, String template) throws IOException {
        for (String position : POSITIONS) {
            Path out = home.resolve(i + "-" + position + ".out");
            assertThat(new String(Files.readAllBytes(out), StandardCharsets.UTF_8)).as(position).isEqualTo(value(i));
        }
    }

    @Test
    void aParamSplicedDirectlyArrivesByteForByteInEveryPosition() throws IOException {
        for (String position : POSITIONS) {
            Path out = home.resolve("direct/" + position + ".out");
            assertThat(new String(Files.readAllBytes(out), StandardCharsets.UTF_8)).as(position).isEqualTo(direct());
        }
    }
}
