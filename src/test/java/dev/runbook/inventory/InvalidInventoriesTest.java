package dev.runbook.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runbook.load.RunbookLoader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every inventory under {@code inventory/bad/}: each states in {@code # expect: LINE:COL message}
 * comments exactly the errors it must produce, all of them at once, as the CLI prints them
 * ({@code file:line:col: error: message (hint)}). No other diagnostic may appear.
 */
class InvalidInventoriesTest {
    static final Path BAD = Path.of("src/test/resources/inventory/bad");
    private static final Pattern EXPECT = Pattern.compile("^# expect: (\\d+:\\d+ .*)$");

    @TestFactory
    Stream<DynamicTest> everyBadInventoryIsRefusedWithExactlyItsExpectedErrors() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(BAD)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(18);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    @TestFactory
    Stream<DynamicTest> anyYamlFileLoadsOrIsRefusedWithDiagnosticsNeverWithACrash() throws IOException {
        // runbooks, broken runbooks and our own inventories: none of them may surface as anything but
        // an inventory or an InvalidInputException (the CLI would print any other as a stack trace)
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of("src/test/resources"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> {
            try {
                Inventory.load(f);
            } catch (InvalidInputException e) {
                assertThat(e.diagnostics()).isNotEmpty().allMatch(d -> d.pos().file().equals(RunbookLoader.label(f)));
            }
        }));
    }

    private static void check(Path file) throws IOException {
        String label = RunbookLoader.label(file);
        List<String> expected = Files.readAllLines(file).stream().map(EXPECT::matcher).filter(Matcher::matches)
                .map(m -> label + ":" + m.group(1).replaceFirst(" ", ": error: ")).toList();
        assertThat(expected).as("%s states what it expects", label).isNotEmpty();
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Inventory.load(file));
        assertThat(e).as("%s must be refused", label).isNotNull();
        assertThat(e.diagnostics()).extracting(Diagnostic::toString).containsExactlyInAnyOrderElementsOf(expected);
    }
}
