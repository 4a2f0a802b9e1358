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
 * ({@code file:line:col: error: message (hint)}); {@code LINE:COL warning: message} expects a
 * warning. No other diagnostic may appear. Those under {@code inventory/warn/} load, with exactly
 * the warnings they expect. Each directory under {@code inventory/vars/} is an inventory with vars
 * files, loaded as a directory (or as the file its {@code expect.txt} names with {@code -i FILE}),
 * whose {@code expect.txt} lists every diagnostic of its files, each file named from the directory.
 */
class InvalidInventoriesTest {
    static final Path BAD = Path.of("src/test/resources/inventory/bad");
    static final Path WARN = Path.of("src/test/resources/inventory/warn");
    static final Path VARS = Path.of("src/test/resources/inventory/vars");
    private static final Pattern EXPECT = Pattern.compile("^# expect: (\\d+:\\d+) (.*)$");

    @TestFactory
    Stream<DynamicTest> everyBadInventoryIsRefusedWithExactlyItsExpectedErrors() throws IOException {
        List<Path> files = yamlFiles(BAD);
        assertThat(files).hasSizeGreaterThanOrEqualTo(18);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    @TestFactory
    Stream<DynamicTest> everyInventoryThatWarnsLoadsWithExactlyItsExpectedWarnings() throws IOException {
        List<Path> files = yamlFiles(WARN);
        assertThat(files).hasSizeGreaterThanOrEqualTo(3);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                () -> assertThat(Inventory.load(f).warnings()).extracting(Diagnostic::toString)
                        .containsExactlyInAnyOrderElementsOf(expected(f))));
    }

    @TestFactory
    Stream<DynamicTest> everyInventoryWithVarsFilesGivesExactlyItsExpectedDiagnostics() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(VARS)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(cases).hasSizeGreaterThanOrEqualTo(2);
        return cases.stream().map(d -> DynamicTest.dynamicTest(d.getFileName().toString(), () -> checkVarsCase(d)));
    }

    private static void checkVarsCase(Path dir) throws IOException {
        String prefix = RunbookLoader.label(dir);
        List<String> lines = Files.readAllLines(dir.resolve("expect.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        Path load = lines.get(0).startsWith("-i ") ? dir.resolve(lines.get(0).substring(3)) : dir;
        List<String> expected = lines.stream().filter(l -> !l.startsWith("-i "))
                .map(l -> prefix + "/" + l.replace("{dir}", prefix)).toList();
        if (expected.stream().anyMatch(l -> l.contains(": error: "))) {
            InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Inventory.load(load));
            assertThat(e).as("%s must be refused", prefix).isNotNull();
            assertThat(e.diagnostics()).extracting(Diagnostic::toString).containsExactlyInAnyOrderElementsOf(expected);
        } else {
            assertThat(Inventory.load(load).warnings()).extracting(Diagnostic::toString).containsExactlyInAnyOrderElementsOf(expected);
        }
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
                // the file's own problems, or those of the group_vars and host_vars beside it
                String beside = RunbookLoader.label(f.toAbsolutePath().getParent()) + "/";
                assertThat(e.diagnostics()).isNotEmpty().allMatch(d -> d.pos().file().equals(RunbookLoader.label(f))
                        || d.pos().file().startsWith(beside + "group_vars/") || d.pos().file().startsWith(beside + "host_vars/"));
            }
        }));
    }

    /** The file's {@code # expect:} lines as the CLI prints them: an error unless it says warning. */
    private static List<String> expected(Path file) throws IOException {
        String label = RunbookLoader.label(file);
        List<String> expected = Files.readAllLines(file).stream().map(EXPECT::matcher).filter(Matcher::matches)
                .map(m -> label + ":" + m.group(1) + ": " + (m.group(2).startsWith("warning: ") ? "" : "error: ") + m.group(2)).toList();
        assertThat(expected).as("%s states what it expects", label).isNotEmpty();
        return expected;
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private static void check(Path file) throws IOException {
        String label = RunbookLoader.label(file);
        List<String> expected = expected(file);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Inventory.load(file));
        assertThat(e).as("%s must be refused", label).isNotNull();
        assertThat(e.diagnostics()).extracting(Diagnostic::toString).containsExactlyInAnyOrderElementsOf(expected);
    }
}
