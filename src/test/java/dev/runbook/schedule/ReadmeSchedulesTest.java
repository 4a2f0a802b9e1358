package dev.runbook.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.runbook.inventory.Inventory;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.RunbookPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every schedule the README shows passes 'runbook schedule validate' against the shipped runbooks,
 * and its targets select hosts of the shipped production inventory.
 */
class ReadmeSchedulesTest {
    @TempDir
    Path dir;

    @Test
    void everyScheduleExampleInTheReadmeIsValidAgainstTheShippedRunbooksAndInventory() throws IOException {
        List<String> examples = new ArrayList<>();
        Matcher block = Pattern.compile("(?ms)^```yaml\\n(.*?)^```").matcher(Files.readString(Path.of("README.md")));
        while (block.find()) {
            if (block.group(1).contains("\ncron:")) {
                examples.add(block.group(1));
            }
        }
        assertThat(examples).as("the README's schedule examples").isNotEmpty();
        for (int i = 0; i < examples.size(); i++) {
            Files.writeString(dir.resolve("readme-" + i + ".yaml"), examples.get(i));
        }
        RunbookLoader runbooks = new RunbookLoader(new RunbookPaths(Path.of("").toAbsolutePath(), null));

        Inventory inventory = Inventory.load(Path.of("inventory/production.example.yaml"));

        assertThatCode(() -> new ScheduleLoader(runbooks, inventory).load(dir)).doesNotThrowAnyException();
    }
}
