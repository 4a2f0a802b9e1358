package dev.runbook.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.model.Diagnostic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every runbook under {@code src/test/resources/golden/}: each file states the diagnostics it
 * must produce in {@code # expect: LINE:COL message} (errors) and {@code # expect-warning:} comments;
 * a file with none must load cleanly. No other error may appear.
 */
class GoldenRunbooksTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final Pattern EXPECT = Pattern.compile("^# expect(-warning)?: (\\d+):(\\d+) (.*)$");

    record Expected(boolean error, int line, int col, String message) {
        boolean matches(Diagnostic d) {
            return d.isError() == error && d.pos().line() == line && d.pos().col() == col
                    && d.toString().contains(message);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenRunbookGivesExactlyItsExpectedDiagnostics() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(GOLDEN)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(60);
        return files.stream().map(f -> DynamicTest.dynamicTest(GOLDEN.relativize(f).toString(), () -> check(f)));
    }

    private static void check(Path file) throws IOException {
        List<Expected> expected = expectations(file);
        RunbookLoader loader = new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(), null));
        RunbookLoader.Loaded loaded = loader.load(file);
        String label = RunbookLoader.label(file);
        List<Diagnostic> own = loaded.diagnostics().stream().filter(d -> d.pos().file().equals(label)).toList();
        for (Expected e : expected) {
            assertThat(own).as("%s should report %s", label, e).anyMatch(e::matches);
        }
        for (Diagnostic d : own) {
            assertThat(expected).as("%s reported a diagnostic it does not expect: %s", label, d).anyMatch(e -> e.matches(d));
        }
        if (expected.stream().noneMatch(Expected::error)) {
            assertThat(loaded.ok()).as("%s should load: %s", label, loaded.diagnostics()).isTrue();
        } else {
            assertThat(loaded.ok()).as("%s must not load", label).isFalse();
        }
    }

    static List<Expected> expectations(Path file) throws IOException {
        List<Expected> out = new ArrayList<>();
        // ISO-8859-1 reads any byte, so files with invalid UTF-8 still give their comments
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            Matcher m = EXPECT.matcher(line);
            if (m.matches()) {
                out.add(new Expected(m.group(1) == null, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                        new String(m.group(4).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    @Test
    void aZeroByteFileIsReportedAsEmpty(@TempDir Path dir) throws IOException {
        Path f = Files.createFile(dir.resolve("zero.yaml"));
        RunbookLoader.Loaded loaded = new RunbookLoader(new RunbookPaths(dir, null)).load(f);
        assertThat(loaded.ok()).isFalse();
        assertThat(loaded.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.pos().line()).isEqualTo(1);
            assertThat(d.message()).isEqualTo("the file is empty");
        });
    }

    @Test
    void anOversizedFileIsRefusedWithoutReadingIt(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("big.yaml");
        Files.write(f, new byte[YamlFile.MAX_BYTES + 1]);
        RunbookLoader.Loaded loaded = new RunbookLoader(new RunbookPaths(dir, null)).load(f);
        assertThat(loaded.diagnostics()).singleElement()
                .satisfies(d -> assertThat(d.message()).contains("bytes; the limit is " + YamlFile.MAX_BYTES));
    }

    @Test
    void aBillionLaughsDocumentIsRefusedQuickly(@TempDir Path dir) throws IOException {
        StringBuilder s = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            s.append("a").append(i).append(": &a").append(i).append(" [");
            for (int k = 0; k < 9; k++) {
                s.append(k == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            s.append("]\n");
        }
        s.append("steps: []\n");
        Path f = Files.writeString(dir.resolve("lol.yaml"), s);
        RunbookLoader.Loaded loaded = new RunbookLoader(new RunbookPaths(dir, null)).load(f);
        assertThat(loaded.ok()).isFalse();
        assertThat(loaded.diagnostics()).anyMatch(d -> d.message().contains("alias bomb"));
    }
}
