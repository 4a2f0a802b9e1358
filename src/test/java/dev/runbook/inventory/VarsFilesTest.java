package dev.runbook.inventory;

import static dev.runbook.inventory.InventoryFiles.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * group_vars/ and host_vars/ beside an inventory, each of Ansible's rules on its own (AnsibleParityTest
 * checks them together against ansible-inventory): which files are read, in which order, and
 * where their vars stand among the inventory's.
 */
class VarsFilesTest {
    @TempDir
    Path dir;

    private static final String WEB = """
            all:
              vars: {level: inventory all}
              children:
                prod:
                  vars: {level: inventory prod}
                  children:
                    web:
                      vars: {level: inventory web}
                      hosts:
                        web1: {level: inventory web1}
                        web2:
            """;

    private Path write(String relative, String text) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    private Inventory load() throws IOException {
        return Inventory.load(write("hosts.yaml", WEB));
    }

    @Test
    void groupVarsAndHostVarsBesideTheInventoryAreReadInEveryFormAnsibleReads() throws IOException {
        write("group_vars/all", "from_all: no extension\n");
        write("group_vars/prod.yml", "from_prod: yml\n");
        write("group_vars/web.json", "{\"from_web\": \"json\", \"ports\": [80, 443]}\n");
        write("host_vars/web1.yaml", "from_host: yaml\n");

        Inventory inv = load();

        assertThat(host(inv, "web1").vars()).contains(entry("from_all", "no extension"), entry("from_prod", "yml"),
                entry("from_web", "json"), entry("ports", List.of(80L, 443L)), entry("from_host", "yaml"));
        assertThat(host(inv, "web2").vars()).doesNotContainKey("from_host").containsEntry("from_web", "json");
        assertThat(inv.warnings()).isEmpty();
    }

    @Test
    void groupVarsAllWinsOverAChildGroupsInventoryVarsAndHostVarsFilesOverTheHostsOwnAsInAnsible() throws IOException {
        write("group_vars/all.yml", "level: group_vars all\n");
        assertThat(host(load(), "web2").vars()).containsEntry("level", "group_vars all");

        write("group_vars/prod.yml", "level: group_vars prod\n");
        write("group_vars/web.yml", "level: group_vars web\n");
        assertThat(host(load(), "web2").vars()).as("a child group's file over its parent's").containsEntry("level", "group_vars web");
        assertThat(host(load(), "web1").vars()).as("the host's inventory vars over every group file")
                .containsEntry("level", "inventory web1");

        write("host_vars/web1.yml", "level: host_vars web1\n");
        assertThat(host(load(), "web1").vars()).containsEntry("level", "host_vars web1");
    }

    @Test
    void aVarsDirectoryIsMergedInNameOrderWithItsSubdirectoriesInPlaceAndOtherFilesLeftOut() throws IOException {
        write("group_vars/web/10-base.yml", "order: [10]\nbase: yes\n");
        write("group_vars/web/20-more", "order: [20]\n");
        write("group_vars/web/30/a.yaml", "order: [30]\n");
        write("group_vars/web/40-notes.txt", "order: [40]\n");
        write("group_vars/web/.hidden.yml", "order: [hidden]\n");
        write("group_vars/web/50-backup.yml~", "order: [backup]\n");

        assertThat(host(load(), "web2").vars()).contains(entry("order", List.of(30L)), entry("base", true));
    }

    @Test
    void onlyTheFirstOfNameNameYmlNameYamlAndNameJsonIsReadAndTheOthersAreWarnedAbout() throws IOException {
        write("group_vars/web/a.yml", "picked: directory\n");
        write("group_vars/web.yml", "picked: yml\n");
        write("host_vars/web1.yaml", "picked: yaml\n");
        write("host_vars/web1.json", "{\"picked\": \"json\"}\n");

        Inventory inv = load();

        assertThat(host(inv, "web2").vars()).containsEntry("picked", "directory");
        assertThat(host(inv, "web1").vars()).containsEntry("picked", "yaml");
        assertThat(inv.warnings()).extracting(Diagnostic::toString).containsExactlyInAnyOrder(
                label("group_vars/web.yml") + ": warning: not read: group 'web' takes its vars from web alone"
                        + " (as in Ansible, which reads only the first of NAME, NAME.yml, NAME.yaml and NAME.json)",
                label("host_vars/web1.json") + ": warning: not read: host 'web1' takes its vars from web1.yaml alone"
                        + " (as in Ansible, which reads only the first of NAME, NAME.yml, NAME.yaml and NAME.json)");
    }

    @Test
    void anEmptyVarsFileGivesNothingAndAVarsFileForNoSuchHostOrGroupIsWarnedAboutWithTheNearestName() throws IOException {
        write("group_vars/web.yml", "# nothing yet\n");
        write("group_vars/wbe.yml", "x: 1\n");
        write("host_vars/web3.yml", "x: 1\n");
        write("host_vars/README.md", "notes\n");

        Inventory inv = load();

        assertThat(host(inv, "web1").vars()).doesNotContainKey("x");
        assertThat(inv.warnings()).extracting(Diagnostic::toString).containsExactlyInAnyOrder(
                label("group_vars/wbe.yml") + ": warning: not read: the inventory has no group 'wbe' (did you mean 'web'?)",
                label("host_vars/web3.yml") + ": warning: not read: the inventory has no host 'web3' (did you mean 'web1'?)");
    }

    @Test
    void aVarsFileThatIsNotAMappingOrNotYamlIsRefusedAtItsLineWithTheInventorysOtherProblems() throws IOException {
        write("group_vars/web.yml", "- a\n- b\n");
        write("host_vars/web1.yml", "ansible_port: [22]\nkey: \"unterminated\n");
        write("host_vars/web2.json", "[1, 2]\n");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, this::load);

        assertThat(e).isNotNull();
        assertThat(e.diagnostics()).extracting(Diagnostic::toString).hasSize(3)
                .contains(label("group_vars/web.yml") + ":1:1: error: the vars of group 'web' must be a mapping, not a list",
                        label("host_vars/web2.json") + ":1:1: error: the vars of host 'web2' must be a mapping, not a list")
                .anyMatch(d -> d.startsWith(label("host_vars/web1.yml") + ":") && d.contains(": error: YAML"));
    }

    @Test
    void connectionVarsInVarsFilesAreCheckedAsInTheInventoryAndARelativeKnownHostsIsTheInventorysDirectorys() throws IOException {
        write("group_vars/web.yml", "runbook_known_hosts: keys/known_hosts\n");
        assertThat(host(load(), "web1").vars()).containsEntry("runbook_known_hosts", dir.resolve("keys/known_hosts").toString());

        write("host_vars/web1.yml", "ansible_port: 70000\n");
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, this::load);
        assertThat(e.diagnostics()).extracting(Diagnostic::toString)
                .containsExactly(label("host_vars/web1.yml") + ":1:15: error: ansible_port must be an integer from 1 to 65535, not 70000");
    }

    @Test
    void secretLookingVarsFromVarsFilesAreMaskedLikeTheInventorys() throws IOException {
        write("group_vars/all.yml", "ansible_become_password: Sud0Pa55word!\napi_token: tok-123\n");

        Map<String, Object> masked = SecretVars.masked(host(load(), "web1").vars());

        assertThat(masked).contains(entry("ansible_become_password", SecretVars.MASK), entry("api_token", SecretVars.MASK));
    }

    @Test
    void theImplicitLocalhostTakesGroupVarsAllAndItsOwnHostVarsAndStaysLocal() throws IOException {
        write("group_vars/all.yml", "site: eu\n");
        write("host_vars/localhost.yml", "tools: /opt/tools\n");

        Inventory inv = load();

        assertThat(inv.select("localhost").get(0).local()).isTrue();
        assertThat(inv.select("localhost").get(0).vars()).contains(entry("site", "eu"), entry("tools", "/opt/tools"),
                entry("level", "inventory all"));
        assertThat(inv.warnings()).as("host_vars/localhost is for a host every inventory has").isEmpty();
    }

    @Test
    void aVarsDirectoryThatLinksToItselfIsReadOnce() throws IOException {
        write("group_vars/web/a.yml", "a: 1\n");
        Files.createSymbolicLink(dir.resolve("group_vars/web/loop"), dir.resolve("group_vars/web"));

        assertThat(host(load(), "web1").vars()).containsEntry("a", 1L);
    }

    @Test
    void strayVarsFilesAreNotReportedWhenTheInventoryItselfFailed() throws IOException {
        write("host_vars/web9.yml", "x: 1\n");
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class,
                () -> Inventory.load(write("hosts.yaml", "all:\n  hosts:\n    web1: [1]\n")));

        assertThat(e.diagnostics()).extracting(Diagnostic::toString).allMatch(d -> d.startsWith(label("hosts.yaml") + ":"));
    }

    private String label(String relative) {
        return dev.runbook.load.RunbookLoader.label(dir.resolve(relative));
    }
}
