package dev.runbook.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.model.Text;
import dev.runbook.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every value of {@code splices/values.txt} spliced into every shell context of
 * {@code splices/contexts.txt}, and each command run under dash and under bash (a run line is
 * {@code /bin/sh -c}, which is bash on RHEL-family hosts): no value runs (the file {@code PWN} never
 * appears where the command ran), and where the context is a word, the value arrives byte for byte.
 * Contexts no quoting can make safe are refused, and arithmetic takes integers.
 */
class ShellContextsIT {
    private static final Path DATA = Path.of("src/test/resources/splices");
    private static final List<String> SHELLS = List.of("dash", "bash");
    private static final ExecutorService POOL = Executors.newFixedThreadPool(4);
    private static final AtomicInteger CASES = new AtomicInteger();

    @TempDir
    static Path home;

    record Context(int line, String template, String dash, String bash) {
        String expected(String shell) {
            return shell.equals("bash") ? bash : dash;
        }
    }

    @AfterAll
    static void stopPool() {
        POOL.shutdownNow();
    }

    @TestFactory
    Stream<DynamicTest> noValueRunsAndEachArrivesLiterallyInEveryContext() throws IOException {
        List<String> values = lines("values.txt").stream().map(l -> l.equals("{empty}") ? "" : unescape(l)).toList();
        List<Context> contexts = contexts();
        assertThat(contexts).hasSizeGreaterThan(100);
        return contexts.stream().map(c -> DynamicTest.dynamicTest(c.line() + ": " + c.template(), () -> check(c, values)));
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "printf '<%s>' $(( 1 + {{ params.x }} ))|41|<42>|<42>",
        "printf '<%s>' $(( 1 + {{ params.x }} ))|-7|<-6>|<-6>",
        "printf '<%s>' $((1-{{ params.x }}))|-7|<8>|<8>",
        "printf '<%s>' $(( 1 + {{ params.x }} ))|007|<8>|<8>",
        "printf '<%s>' $(( 1 + {{ params.x }} ))|+3|<4>|<4>",
        "printf '<%s>' \"$(( {{ params.x }} * 2 ))\"|` 21 `|<42>|<42>",
        "(( n = {{ params.x }} * 2 )); printf '<%s>' \"$n\"|21|<>|<42>",
        "[[ {{ params.x }} -eq 42 ]] && printf '<yes>'|42|``|<yes>",
        "[[ 42 -eq \"{{ params.x }}\" ]] && printf '<yes>'|42|``|<yes>",
        "let 'n = {{ params.x }} + 1'; printf '<%s>' \"$n\"|41|<>|<42>",
    })
    void anIntegerGoesIntoArithmeticAsThatNumber(String template, String value, String dash, String bash) throws IOException {
        String command = render(template, value);
        assertThat(output("dash", command)).as(command).isEqualTo(dash);
        assertThat(output("bash", command)).as(command).isEqualTo(bash);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "echo $(( {{ params.x }} + 1 ))|$(( ))",
        "(( {{ params.x }} ))|(( ))",
        "echo $[ {{ params.x }} ]|$[ ]",
        "[[ {{ params.x }} -lt 2 ]]|[[ -lt ]]",
        "a[{{ params.x }}]=1|an array subscript",
    })
    void aValueThatIsNotAnIntegerIsRefusedWhereTheShellEvaluatesIt(String template, String what) {
        assertThatThrownBy(() -> render(template, "a[$(touch PWN)]"))
                .hasMessage("a value spliced into " + what + " must be an integer, not 'a[$(touch PWN)]': "
                        + "the shell evaluates it as arithmetic");
    }

    private static void check(Context c, List<String> values) throws Exception {
        List<String> found = new ArrayList<>();
        Map<String, String> commands = new LinkedHashMap<>();
        for (String value : values) {
            try {
                commands.put(value, render(c.template(), value));
            } catch (ExprException e) {
                if (!c.dash().equals("!") && !c.dash().equals("-") && !c.dash().startsWith("?")) {
                    found.add("refused " + show(value) + ": " + e.getMessage());
                }
            }
        }
        if (c.dash().equals("!")) {
            commands.forEach((value, command) -> found.add("not refused " + show(value) + ": " + command));
        } else {
            assertThat(commands).as("values that render in " + c.template()).isNotEmpty();
            List<Future<List<String>>> runs = new ArrayList<>();
            for (String shell : SHELLS) {
                runs.add(POOL.submit(() -> problems(c, shell, commands)));
            }
            for (Future<List<String>> run : runs) {
                found.addAll(run.get());
            }
        }
        assertThat(found).as(c.template()).isEmpty();
    }

    /** Runs every command with {@code shell -c}, each in a directory of its own, and says what went wrong. */
    private static List<String> problems(Context c, String shell, Map<String, String> commands) throws IOException {
        List<Path> dirs = run(shell, List.copyOf(commands.values()));
        List<String> found = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, String> e : commands.entrySet()) {
            Path dir = dirs.get(i++);
            String out = new String(Files.readAllBytes(dir.resolve("out")), StandardCharsets.UTF_8);
            String expected = c.expected(shell);
            String want = expand(expected.startsWith("?") ? expected.substring(1) : expected, e.getKey());
            if (Files.exists(dir.resolve("PWN"))) {
                found.add(shell + " ran " + show(e.getKey()) + ": " + e.getValue());
            } else if (!expected.equals("-") && !out.equals(want)) {
                found.add(shell + " printed " + show(out) + " for " + show(e.getKey()) + ", not " + show(want) + ": " + e.getValue());
            }
        }
        return found;
    }

    /**
     * Runs each command with {@code shell -c} in a new directory, stdin empty, its stdout in the file
     * {@code out} there; one driver process runs them all, which is much cheaper than a JVM spawning each.
     */
    private static List<Path> run(String shell, List<String> commands) throws IOException {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "shell=$1; shift; while [ $# -gt 0 ]; do "
                + "(cd \"$1\" && exec \"$shell\" -c \"$2\" >out 2>/dev/null </dev/null); shift 2; done", "driver", shell));
        List<Path> dirs = new ArrayList<>();
        for (String command : commands) {
            Path dir = Files.createDirectories(home.resolve("case" + CASES.incrementAndGet()));
            Files.writeString(dir.resolve("out"), "");
            dirs.add(dir);
            argv.addAll(List.of(dir.toString(), command));
        }
        Processes.exec(argv, home);
        return dirs;
    }

    /** One command's stdout under {@code shell}; the marker file must not appear. */
    private static String output(String shell, String command) throws IOException {
        Path dir = run(shell, List.of(command)).get(0);
        assertThat(dir.resolve("PWN")).as(shell + " ran it: " + command).doesNotExist();
        return new String(Files.readAllBytes(dir.resolve("out")), StandardCharsets.UTF_8);
    }

    private static String render(String template, String value) {
        return Templates.render(Text.of(template), Map.of("params", Map.of("x", value)), Templates.Mode.SHELL).text();
    }

    private static String expand(String expected, String value) {
        return expected.replace("{V-}", value.replaceFirst("\n+$", "")).replace("{V}", value);
    }

    private static String show(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }

    private static List<Context> contexts() throws IOException {
        List<Context> out = new ArrayList<>();
        List<String> all = Files.readAllLines(DATA.resolve("contexts.txt"), StandardCharsets.UTF_8);
        for (int i = 0; i < all.size(); i++) {
            String l = all.get(i);
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\t", -1);
            String dash = unescape(f[1]);
            out.add(new Context(i + 1, unescape(f[0]), dash, f.length > 2 ? unescape(f[2]) : dash));
        }
        return out;
    }

    private static List<String> lines(String file) throws IOException {
        return Files.readAllLines(DATA.resolve(file), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isEmpty() && !l.startsWith("# ")).toList();
    }

    /** {@code \n}, {@code \t} and {@code \\} as a line break, a tab and a backslash. */
    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                out.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
