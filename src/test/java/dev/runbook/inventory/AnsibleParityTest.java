package dev.runbook.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Our inventory against Ansible's own answers. Each {@code ansible/NAME.yaml} has beside it
 * {@code NAME.ansible.json}, recorded by {@code record.py} from {@code ansible-inventory --list} and
 * {@code ansible -i NAME.yaml PATTERN --list-hosts} (ansible-core 2.14): every host's merged vars,
 * every group's hosts and every listed pattern's hosts must be what Ansible gives. Each
 * {@code ansible/dirs/NAME/} is an inventory with group_vars and host_vars, recorded given as a
 * directory and as its hosts.yaml. Where ansible-core is installed, one test also asks it live, so
 * the recordings cannot go stale.
 */
class AnsibleParityTest {
    static final Path DIR = Path.of("src/test/resources/inventory/ansible");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> everyRecordedInventoryGivesAnsiblesHostsGroupsAndVars() throws IOException {
        List<Path> files = inventories();
        assertThat(files).extracting(f -> f.getFileName().toString())
                .contains("plugin-example.yaml", "intro-parent-groups.yaml", "precedence.yaml");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                () -> assertSameAsAnsible(Inventory.load(f), recorded(f).get("inventory"))));
    }

    @TestFactory
    Stream<DynamicTest> everyRecordedPatternSelectsWhatAnsibleSelects() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : inventories()) {
            Inventory inventory = Inventory.load(f);
            JsonNode patterns = recorded(f).get("patterns");
            List<String> allOrder = strings(patterns.get("all"));
            patterns.fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(
                    f.getFileName() + " " + e.getKey(), () -> assertSelects(inventory, e.getKey(), strings(e.getValue()), allOrder))));
        }
        assertThat(tests).hasSizeGreaterThan(40);
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyRecordedInventoryWithVarsFilesGivesAnsiblesVarsAsADirectoryAndAsAFile() throws IOException {
        List<Path> dirs = directories();
        assertThat(dirs).extracting(d -> d.getFileName().toString()).contains("layered");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path d : dirs) {
            JsonNode recorded = recorded(d);
            tests.add(DynamicTest.dynamicTest(d.getFileName() + " as a directory",
                    () -> assertSameAsAnsible(Inventory.load(d), recorded.get("inventory"))));
            tests.add(DynamicTest.dynamicTest(d.getFileName() + "/hosts.yaml",
                    () -> assertSameAsAnsible(Inventory.load(d.resolve("hosts.yaml")), recorded.get("inventory_file"))));
            JsonNode patterns = recorded.get("patterns");
            List<String> allOrder = strings(patterns.get("all"));
            patterns.fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(d.getFileName() + " " + e.getKey(),
                    () -> assertSelects(Inventory.load(d), e.getKey(), strings(e.getValue()), allOrder))));
        }
        return tests.stream();
    }

    @Test
    void ansibleInventoryRunNowAgreesWithTheRecordingsOfVarsFilesAndWithUs() throws Exception {
        assertThat(onPath("ansible-inventory")).as("ansible-inventory (ansible-core; .ci/run installs it)").isTrue();
        for (Path d : directories()) {
            JsonNode live = ansibleInventoryList(d);
            assertThat(live).as("%s: ansible-inventory now vs the recording", d).isEqualTo(recorded(d).get("inventory"));
            assertSameAsAnsible(Inventory.load(d), live);
            JsonNode liveFile = ansibleInventoryList(d.resolve("hosts.yaml"));
            assertThat(liveFile).as("%s/hosts.yaml: ansible-inventory now vs the recording", d).isEqualTo(recorded(d).get("inventory_file"));
            assertSameAsAnsible(Inventory.load(d.resolve("hosts.yaml")), liveFile);
        }
    }

    @Test
    void ansibleInventoryRunNowAgreesWithTheRecordingsAndWithUs() throws Exception {
        assertThat(onPath("ansible-inventory")).as("ansible-inventory (ansible-core; .ci/run installs it)").isTrue();
        for (Path f : inventories()) {
            JsonNode live = ansibleInventoryList(f);
            assertThat(live).as("%s: ansible-inventory now vs the recording", f).isEqualTo(recorded(f).get("inventory"));
            assertSameAsAnsible(Inventory.load(f), live);
        }
    }

    @Test
    void theShippedExampleInventoryGivesWhatAnsibleGives() throws Exception {
        assertThat(onPath("ansible-inventory")).as("ansible-inventory (ansible-core; .ci/run installs it)").isTrue();
        assertSameAsAnsible(Inventory.load(ExampleInventoryTest.EXAMPLE), ansibleInventoryList(ExampleInventoryTest.EXAMPLE));
    }

    private static JsonNode ansibleInventoryList(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ansible-inventory", "-i", file.toString(), "--list")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        JsonNode out = JSON.readTree(p.getInputStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("ansible-inventory -i %s", file).isZero();
        return out;
    }

    static void assertSameAsAnsible(Inventory inventory, JsonNode ansible) {
        JsonNode hostvars = ansible.path("_meta").path("hostvars");
        Set<String> ansibleHosts = hostsOf(ansible, "all");
        List<Target> ours = inventory.select("all");
        assertThat(ours).extracting(Target::name).containsExactlyInAnyOrderElementsOf(ansibleHosts);
        for (Target t : ours) {
            JsonNode expected = hostvars.has(t.name()) ? hostvars.get(t.name()) : JSON.createObjectNode();
            assertThat(json(t.vars())).as("vars of %s", t.name()).isEqualTo(expected);
        }
        ansible.fieldNames().forEachRemaining(group -> {
            if (!group.equals("_meta") && !hostsOf(ansible, group).isEmpty()) {
                assertThat(inventory.select(group)).as("hosts of group %s", group).extracting(Target::name)
                        .containsExactlyInAnyOrderElementsOf(hostsOf(ansible, group));
            }
        });
        List<String> groups = new ArrayList<>();
        ansible.fieldNames().forEachRemaining(groups::add);
        groups.remove("_meta");
        assertThat(inventory.groups()).containsAll(groups);
    }

    /** Our vars as JSON text parsed back, so numbers compare by value as in Ansible's output. */
    private static JsonNode json(Map<String, Object> vars) {
        try {
            return JSON.readTree(JSON.writeValueAsString(vars));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Ansible lists a union's hosts term by term; we list every selection in inventory order
     * (Ansible's order of {@code all}). Same hosts, and ours in that order.
     */
    private static void assertSelects(Inventory inventory, String pattern, List<String> ansible, List<String> allOrder) {
        if (ansible.isEmpty()) {
            assertThatThrownBy(() -> inventory.select(pattern)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("host pattern '" + pattern + "' matches no host");
            return;
        }
        List<String> expected = new ArrayList<>(ansible);
        expected.sort(Comparator.comparingInt(h -> allOrder.contains(h) ? allOrder.indexOf(h) : Integer.MAX_VALUE));
        assertThat(inventory.select(pattern)).extracting(Target::name).containsExactlyElementsOf(expected);
    }

    /** A group's hosts from ansible-inventory's JSON: its own and its children's, recursively. */
    private static Set<String> hostsOf(JsonNode ansible, String group) {
        Set<String> out = new LinkedHashSet<>(strings(ansible.path(group).path("hosts")));
        for (String child : strings(ansible.path(group).path("children"))) {
            out.addAll(hostsOf(ansible, child));
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<Path> inventories() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    static List<Path> directories() throws IOException {
        try (Stream<Path> s = Files.list(DIR.resolve("dirs"))) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** NAME.ansible.json beside NAME.yaml, or beside the directory NAME. */
    private static JsonNode recorded(Path inventory) throws IOException {
        String name = inventory.getFileName().toString().replaceFirst("\\.yaml$", "");
        return JSON.readTree(inventory.resolveSibling(name + ".ansible.json").toFile());
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
    }

    @Test
    void theRecordingsAreOfAnsiblesOwnOutput() throws IOException {
        for (Path f : Stream.concat(inventories().stream(), directories().stream()).toList()) {
            assertThat(recorded(f).get("recorded_with").asText()).as("%s", f).startsWith("ansible [core ");
        }
    }
}
