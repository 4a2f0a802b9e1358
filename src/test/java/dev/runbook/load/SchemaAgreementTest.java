package dev.runbook.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The JSON Schema that editors use and {@code validate} agree: every shipped runbook and example
 * passes both, and structurally wrong golden runbooks fail both.
 */
class SchemaAgreementTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = loadSchema();

    private static Schema loadSchema() {
        try (InputStream in = SchemaAgreementTest.class.getResourceAsStream("/runbook.schema.json")) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in, InputFormat.JSON);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Error> schemaErrors(Path file) throws IOException {
        Object doc = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
        return SCHEMA.validate(JSON.writeValueAsString(doc), InputFormat.JSON);
    }

    static List<Path> shipped() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("runbooks", "examples", "src/test/resources/golden/valid", "src/test/resources/schedule/blocks", "bin")) {
            Path d = Path.of(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(p -> p.toString().endsWith(".yaml") && !p.toString().contains("/plans/")
                        && !p.toString().contains("/inventory") && !p.getFileName().toString().contains("inventory"))
                        .sorted().forEach(out::add);
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyShippedRunbookPassesBothTheSchemaAndValidate() throws IOException {
        List<Path> files = shipped();
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> {
            assertThat(schemaErrors(f)).as("schema errors in %s", f).isEmpty();
            RunbookLoader.Loaded l = new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(), null)).load(f);
            assertThat(l.ok()).as("validate errors in %s: %s", f, l.diagnostics()).isTrue();
        }));
    }

    @TestFactory
    Stream<DynamicTest> aScheduleBlockTheDaemonRefusesTheSchemaRefusesToo(@TempDir Path dir) {
        Map<String, String> wrong = new LinkedHashMap<>();
        wrong.put("as text", "schedule: \"every day\"");
        wrong.put("without cron", "schedule: {time_zone: UTC}");
        wrong.put("unknown key", "schedule: {cron: \"0 0 3 * * ?\", runbook: other}");
        wrong.put("misfire", "schedule: {cron: \"0 0 3 * * ?\", misfire: maybe}");
        wrong.put("overlap", "schedule: {cron: \"0 0 3 * * ?\", overlap: queue}");
        wrong.put("deadline", "schedule: {cron: \"0 0 3 * * ?\", deadline: 10}");
        wrong.put("enabled", "schedule: {cron: \"0 0 3 * * ?\", enabled: sometimes}");
        wrong.put("approve", "schedule: {cron: \"0 0 3 * * ?\", approve: go}");
        wrong.put("id", "schedule: {cron: \"0 0 3 * * ?\", id: \"night ly\"}");
        wrong.put("a list item", "schedule: [\"0 0 3 * * ?\"]");
        return wrong.entrySet().stream().map(w -> DynamicTest.dynamicTest(w.getKey(), () -> {
            Path f = dir.resolve(w.getKey().replace(' ', '-') + ".yaml");
            Files.writeString(f, "name: r\nsteps: [{id: go, confirm: \"Go?\"}]\n" + w.getValue() + "\n");
            assertThat(schemaErrors(f)).as("the schema should reject %s", w.getValue()).isNotEmpty();
            RunbookLoader runbooks = new RunbookLoader(new RunbookPaths(dir.toAbsolutePath(), null));
            assertThat(new dev.runbook.schedule.ScheduleLoader(runbooks).checkBlock(f)).as("validate should refuse %s", w.getValue())
                    .anyMatch(dev.runbook.model.Diagnostic::isError);
        }));
    }

    @TestFactory
    Stream<DynamicTest> structurallyWrongRunbooksFailBoth() {
        List<String> wrong = List.of("keys/unknown-step-key.yaml", "keys/unknown-top-key.yaml", "keys/missing-steps.yaml",
                "keys/missing-id.yaml", "steps/no-kind.yaml", "steps/two-kinds.yaml", "steps/bad-id.yaml",
                "types/bad-duration.yaml", "types/negative-duration.yaml", "types/retry-zero.yaml",
                "types/on-failure-unknown.yaml", "types/http-status-range.yaml", "types/steps-not-list.yaml",
                "types/bad-bool.yaml", "params/unknown-type.yaml", "secrets/unknown-source.yaml",
                "steps/wait-without-timeout.yaml");
        return wrong.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            Path f = GoldenRunbooksTest.GOLDEN.resolve(name);
            assertThat(schemaErrors(f)).as("the schema should reject %s", name).isNotEmpty();
            assertThat(new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(), null)).load(f).ok()).isFalse();
        }));
    }
}
