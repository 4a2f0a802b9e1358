package dev.runbook.inventory;

import static dev.runbook.inventory.InventoryFiles.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.runbook.model.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example inventory shipped in {@code inventory/}: it loads, and selects what its comments promise. */
class ExampleInventoryTest {
    static final Path EXAMPLE = Path.of("inventory/example.yaml");
    final Inventory inventory = Inventory.load(EXAMPLE);

    @Test
    void theExampleIsNotNamedHostsYamlSoItNeverBecomesEveryonesDefault() {
        assertThat(Path.of("inventory/hosts.yaml")).doesNotExist();
        assertThat(Files.exists(EXAMPLE)).isTrue();
    }

    @Test
    void prodHoldsWebDbAndCacheAndStagingItsOwnHost() {
        assertThat(inventory.select("prod")).extracting(Target::name)
                .containsExactly("web01", "web02", "web03", "db01", "db02", "cache01", "cache02");
        assertThat(inventory.select("prod:&web")).extracting(Target::address).containsExactly("192.0.2.11", "192.0.2.12", "192.0.2.13");
        assertThat(inventory.select("staging")).extracting(Target::name).containsExactly("stage01");
        assertThat(inventory.groups()).contains("prod", "staging", "web", "db", "cache");
    }

    @Test
    void groupAndHostVarsMergeAsTheCommentsSay() {
        assertThat(host(inventory, "web01").vars()).contains(entry("http_port", 8080L), entry("env", "production"),
                entry("ansible_user", "deploy"), entry("runbook_host_key_checking", "strict"));
        assertThat(host(inventory, "web03").vars()).containsEntry("http_port", 8081L);
        Target db02 = host(inventory, "db02");
        assertThat(db02).extracting(Target::address, Target::port, Target::user).containsExactly("192.0.2.22", 2222, "deploy");
        assertThat(db02.vars()).contains(entry("ansible_become", true), entry("ansible_become_user", "postgres"), entry("role", "replica"));
        assertThat(host(inventory, "stage01").vars()).containsEntry("env", "staging");
        assertThat(host(inventory, "cache02")).extracting(Target::address).isEqualTo("cache02");
    }
}
