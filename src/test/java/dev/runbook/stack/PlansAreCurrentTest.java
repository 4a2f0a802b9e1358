package dev.runbook.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every runbook's plan for the production example inventory is committed under examples/plans/
 * and is what {@code runbook plan NAME --format markdown} shows today: regenerated in-process and
 * compared. When one is stale, run examples/plans/regenerate.sh and commit what it wrote.
 */
class PlansAreCurrentTest {
    private static final Path PROJECT = Path.of("").toAbsolutePath();
    private static final Path PLANS = PROJECT.resolve("examples/plans");
    private static final String HOW = "run examples/plans/regenerate.sh and commit the plans it writes";

    @TestFactory
    Stream<DynamicTest> everyRunbookHasItsCurrentPlanCommitted() throws IOException {
        return runbooks().stream().map(name -> DynamicTest.dynamicTest("the plan of " + name + " is current", () -> {
            Path committed = PLANS.resolve(name + ".md");
            assertThat(committed).as("examples/plans/%s.md is missing: %s", name, HOW).exists();
            assertThat(plan(name)).as("examples/plans/%s.md is stale: %s", name, HOW)
                    .isEqualTo(Files.readString(committed, StandardCharsets.UTF_8));
        }));
    }

    @Test
    void noPlanIsLeftFromARunbookThatIsGone() throws IOException {
        List<String> runbooks = runbooks();
        try (Stream<Path> files = Files.list(PLANS)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".md") || f.endsWith(".params"))
                    .map(f -> f.substring(0, f.lastIndexOf('.'))))
                    .as("plans and params in examples/plans/ without a runbook: " + HOW)
                    .allMatch(runbooks::contains);
        }
    }

    private static List<String> runbooks() throws IOException {
        try (Stream<Path> files = Files.list(PROJECT.resolve("runbooks"))) {
            return files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                    .map(f -> f.substring(0, f.length() - ".yaml".length())).sorted().toList();
        }
    }

    /** What regenerate.sh writes for the runbook: the CLI's plan, run in this JVM, stdout captured. */
    private static String plan(String name) throws IOException {
        List<String> args = new ArrayList<>(List.of("plan", name, "--format", "markdown", "-i", "inventory/production.example.yaml"));
        Path params = PLANS.resolve(name + ".params");
        if (Files.exists(params)) {
            for (String line : Files.readAllLines(params, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    args.addAll(List.of("-p", line));
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = Main.run(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        assertThat(exit).as("runbook %s: %s", String.join(" ", args), err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }
}
