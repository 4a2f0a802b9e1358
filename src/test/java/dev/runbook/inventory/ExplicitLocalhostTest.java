package dev.runbook.inventory;

import static dev.runbook.inventory.InventoryFiles.host;
import static dev.runbook.inventory.InventoryFiles.load;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A localhost the inventory lists: local while it says nothing of where to connect; reached over
 * SSH, as Ansible reaches it, once it names its own address, port or user; warned about both ways.
 */
class ExplicitLocalhostTest {
    @TempDir
    Path dir;

    @Test
    void aListedLocalhostWithoutConnectionVarsStaysLocalWithoutAWord() {
        Inventory inv = load(dir, "all:\n  hosts:\n    localhost:\n      site: eu\n");

        assertThat(host(inv, "localhost").local()).isTrue();
        assertThat(inv.warnings()).isEmpty();
    }

    @Test
    void aListedLocalhostThatNamesItsOwnPortAndUserIsReachedOverSshAsInAnsibleAndSaysSo() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    localhost:
                      ansible_host: 127.0.0.1
                      ansible_port: 41211
                      ansible_user: nobody
                """);

        Target t = host(inv, "localhost");
        assertThat(t.local()).isFalse();
        assertThat(t.user()).isEqualTo("nobody");
        assertThat(t.port()).isEqualTo(41211);
        assertThat(t.vars()).containsEntry("ansible_connection", "ssh");
        assertThat(inv.warnings()).extracting(Diagnostic::toString).containsExactly(dev.runbook.load.RunbookLoader.label(dir.resolve("hosts.yaml"))
                + ":3:5: warning: 'localhost' sets ansible_host, ansible_port and ansible_user but no ansible_connection: as in Ansible,"
                + " it is reached over SSH (nobody@127.0.0.1:41211), not run on this machine (set ansible_connection: local to run its steps here)");
    }

    @Test
    void aListedLocalhostWithAnExplicitConnectionDoesWhatItSaysWithoutAWarning() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    localhost: {ansible_connection: local, ansible_user: nobody, ansible_port: 2222}
                    127.0.0.1: {ansible_connection: ssh}
                """);

        assertThat(host(inv, "localhost").local()).isTrue();
        assertThat(host(inv, "127.0.0.1").local()).isFalse();
        assertThat(inv.warnings()).isEmpty();
    }

    @Test
    void aLocalhostThatOnlyInheritsAUserFromItsGroupsStaysLocalAndIsWarnedAbout() {
        Inventory inv = load(dir, """
                all:
                  vars: {ansible_user: deploy}
                  hosts:
                    localhost:
                """);

        assertThat(host(inv, "localhost").local()).isTrue();
        assertThat(host(inv, "localhost").vars()).doesNotContainKey("ansible_connection");
        assertThat(inv.warnings()).extracting(Diagnostic::message).containsExactly("'localhost' gets ansible_user from its groups"
                + " but no ansible_connection: runbook runs its steps on this machine, as the user running runbook"
                + " (Ansible would connect over SSH)");
    }

    @Test
    void aPortFromHostVarsIsTheLocalhostsOwnToo() throws IOException {
        Files.createDirectories(dir.resolve("host_vars"));
        Files.writeString(dir.resolve("host_vars/localhost.yml"), "ansible_port: 2222\n");

        Inventory inv = load(dir, "all:\n  hosts:\n    localhost:\n");

        assertThat(host(inv, "localhost").local()).isFalse();
        assertThat(host(inv, "localhost").port()).isEqualTo(2222);
    }

    @Test
    void theImplicitLocalhostIsLocalWhateverTheAllGroupSays() {
        Inventory inv = load(dir, "all:\n  vars: {ansible_user: deploy, ansible_port: 2222}\n  hosts:\n    web1:\n");

        assertThat(inv.select("localhost").get(0).local()).isTrue();
        assertThat(inv.warnings()).isEmpty();
    }
}
