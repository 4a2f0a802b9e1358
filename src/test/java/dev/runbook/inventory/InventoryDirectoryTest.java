package dev.runbook.inventory;

import static dev.runbook.inventory.InventoryFiles.host;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runbook.load.RunbookLoader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory given as the inventory: its YAML inventory files merged, as Ansible merges a directory's. */
class InventoryDirectoryTest {
    @TempDir
    Path dir;

    private Path write(String relative, String text) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    @Test
    void everyYamlInventoryFileInTheDirectoryMergesInNameOrderTheLaterWinningAndOtherFilesAreLeftAlone() throws IOException {
        write("b-web.yaml", "web:\n  vars: {port: 80, owner: b}\n  hosts:\n    web2:\n    web1: {role: b}\n");
        write("a-web.yml", "web:\n  vars: {owner: a}\n  hosts:\n    web1: {role: a, only_a: yes}\n");
        write("c-db.json", "{\"db\": {\"hosts\": {\"db1\": {\"ansible_port\": 5433}}}}\n");
        write("d-extra.yaml", "all:\n  hosts:\n    extra1:\n");
        write("group_vars/web.yml", "from_group_vars: yes\n");
        write("known_hosts", "[192.0.2.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO\n");

        Inventory inv = Inventory.load(dir);

        assertThat(inv.select("all")).extracting(Target::name).containsExactly("extra1", "web1", "web2", "db1");
        assertThat(host(inv, "web1").vars()).containsEntry("role", "b").containsEntry("only_a", true)
                .containsEntry("owner", "b").containsEntry("from_group_vars", true);
        assertThat(host(inv, "db1").port()).isEqualTo(5433);
        assertThat(inv.warnings()).isEmpty();
        assertThat(inv.file()).isEqualTo(dir);
    }

    @Test
    void whatAnsiblePassesOverOrIsNoInventoryIsSkippedInSilenceAndWhatAnsibleWouldReadIsSaid() throws IOException {
        write("hosts.yaml", "all:\n  hosts:\n    web1:\n");
        write("README.md", "# notes\n");
        write("old.ini", "[web]\nweb1\n");
        write(".hidden.yaml", "broken: [\n");
        write("hosts.yaml~", "broken: [\n");
        write("legacy", "[web]\nweb1 ansible_host=192.0.2.1\n");
        write("prod.hosts", "web1 ansible_host=192.0.2.1\n");
        write("inventory.toml", "[web.hosts.web1]\n");
        write("staging", "# YAML, but without an extension\nall:\n  hosts:\n    stage1:\n");
        write("LICENSE", "MIT License\n");
        write("known_hosts", "[192.0.2.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO\n");
        write("archive/old.yaml", "broken: [\n");
        Path script = write("dynamic", "#!/bin/sh\necho '{}'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

        Inventory inv = Inventory.load(dir);

        assertThat(inv.select("all")).extracting(Target::name).containsExactly("web1");
        assertThat(inv.warnings()).extracting(Diagnostic::toString).containsExactlyInAnyOrder(
                label("archive") + ": warning: not read as part of the inventory: runbook reads the inventory files directly in the"
                        + " directory, not those of its subdirectories",
                label("dynamic") + ": warning: not read as part of the inventory: an executable is a dynamic inventory script,"
                        + " which runbook does not run",
                label("inventory.toml") + ": warning: not read as part of the inventory: TOML inventories are not supported;"
                        + " convert it to YAML with: ansible-inventory -i " + label("inventory.toml") + " --list -y",
                label("legacy") + ": warning: not read as part of the inventory: INI inventories are not supported; convert it to"
                        + " YAML with: ansible-inventory -i " + label("legacy") + " --list -y --output " + label("legacy") + ".yaml",
                label("prod.hosts") + ": warning: not read as part of the inventory: INI inventories are not supported; convert it to"
                        + " YAML with: ansible-inventory -i " + label("prod.hosts") + " --list -y --output " + label("prod") + ".yaml",
                label("staging") + ": warning: not read as part of the inventory: runbook reads the inventory files whose names end"
                        + " in .yaml, .yml or .json; rename it to staging.yaml to have it read");
    }

    @Test
    void aDirectoryWithNoInventoryFileIsRefusedAndSaysWhatItPassedOver() throws IOException {
        write("hosts", "[web]\nweb1\n");
        write("notes.txt", "nothing\n");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Inventory.load(dir));

        assertThat(e).hasMessage("runbook: error: inventory " + dir + " is a directory with no YAML inventory file in it"
                + " (NAME.yaml, NAME.yml or NAME.json)");
        assertThat(e.diagnostics()).extracting(Diagnostic::toString).hasSize(2)
                .anyMatch(d -> d.startsWith(label("hosts") + ": warning: not read as part of the inventory: INI inventories"));
    }

    @Test
    void everyProblemOfEveryFileIsReportedAtOnce() throws IOException {
        write("a.yaml", "web:\n  hosts:\n    web1: {ansible_port: abc}\n");
        write("b.yaml", "db:\n  children:\n    nowhere:\n");

        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Inventory.load(dir));

        assertThat(e.diagnostics()).extracting(d -> d.pos().file()).containsExactlyInAnyOrder(label("a.yaml"), label("b.yaml"));
    }

    @Test
    void resolveTakesADirectoryFromTheEnvironmentToo() throws IOException {
        write("inv/hosts.yaml", "all:\n  hosts:\n    web1:\n");
        write("inv/group_vars/all.yml", "site: eu\n");

        assertThat(Inventory.resolve(null, Map.of("RUNBOOK_INVENTORY", "inv"), dir).select("web1").get(0).vars())
                .containsEntry("site", "eu");
    }

    private String label(String relative) {
        return RunbookLoader.label(dir.resolve(relative));
    }
}
