package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.testing.AuditLog;
import dev.runbook.testing.Cli;
import dev.runbook.testing.Sshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Ansible inventory directory as users have them (inventory files, group_vars/, host_vars/)
 * given to {@code -i}, run against real OpenSSH servers: the hosts are reached where their vars
 * files say, with the vars Ansible would give them, and the warnings a user must see are on stderr.
 */
class InventoryDirectoryIT {
    static Sshd web1;
    static Sshd web2;

    @TempDir
    Path home;
    Path inv;
    Cli cli;

    @BeforeAll
    static void startServers() throws IOException {
        web1 = Sshd.start();
        web2 = Sshd.start();
        // one client key for the fleet, as group_vars/all names it
        web2.authorize(web1.clientKey());
    }

    @AfterAll
    static void stopServers() {
        web1.close();
        web2.close();
    }

    @BeforeEach
    void inventory() throws IOException {
        inv = Files.createDirectories(home.resolve("inventories/prod"));
        web1.trustIn(inv.resolve("known_hosts"));
        web2.trustIn(inv.resolve("known_hosts"));
        write("hosts.yaml", "all:\n  children:\n    web:\n      hosts:\n        web1:\n        web2:\n");
        write("README.md", "# the production fleet\n");
        write("group_vars/all.yml", "ansible_host: 127.0.0.1\nansible_user: root\nansible_ssh_private_key_file: " + web1.clientKey()
                + "\nrunbook_known_hosts: known_hosts\ngreeting: from group_vars/all\n");
        write("group_vars/web/main.yml", "greeting: from group_vars/web\nhttp_port: 8080\n");
        write("host_vars/web1.yml", "ansible_port: " + web1.port() + "\n");
        write("host_vars/web2", "ansible_port: " + web2.port() + "\ngreeting: from host_vars/web2\nansible_becom: true\n");
        cli = Cli.in(home).withUserHome(Files.createDirectories(home.resolve("user")));
    }

    private void write(String relative, String text) throws IOException {
        Path p = inv.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    void aStepRunsOnEachHostWhereItsHostVarsSayWithTheVarsItsGroupVarsGive() throws IOException {
        Path rb = Files.writeString(home.resolve("greet.yaml"), """
                name: greet
                targets: web
                steps:
                  - id: greet
                    run: echo "{{ host.name }} {{ host.vars.greeting }} {{ host.vars.http_port }} port=${SSH_CONNECTION##* }"
                """);

        Cli.Result r = cli.run("run", rb.toString(), "-i", "inventories/prod");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Map<String, String> out = new TreeMap<>();
        for (JsonNode e : AuditLog.ofType(cli.auditFile(), "step.finished")) {
            out.put(e.get("host").asText(), e.get("data").get("stdout_tail").asText().strip());
        }
        assertThat(out).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                "web1", "web1 from group_vars/web 8080 port=" + web1.port(),
                "web2", "web2 from host_vars/web2 8080 port=" + web2.port())));
        assertThat(r.stderr()).contains("inventories/prod/host_vars/web2:3:1: warning: 'ansible_becom' is not a var runbook or"
                + " Ansible reads, so it has no effect (did you mean 'ansible_become'?)");
    }

    @Test
    void inventoryListAndValidateShowTheMergedVarsAndTheSameWarnings() throws IOException {
        Cli.Result list = cli.run("inventory", "list", "-i", "inventories/prod");
        Path rb = Files.writeString(home.resolve("ok.yaml"), "name: ok\nsteps:\n  - id: a\n    run: \"true\"\n");
        Cli.Result validate = cli.run("validate", rb.toString(), "-i", "inventories/prod");

        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout()).contains("web1  root@127.0.0.1:" + web1.port(), "web2  root@127.0.0.1:" + web2.port(),
                "greeting: from host_vars/web2", "http_port: 8080");
        String warning = "inventories/prod/host_vars/web2:3:1: warning: 'ansible_becom'";
        assertThat(list.stderr()).contains(warning);
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.stderr()).contains(warning);
        assertThat(validate.stdout()).contains("1 of 1 runbook valid, inventory valid, 1 warning");
    }

    @Test
    void aListedLocalhostThatNamesItsPortAndUserIsReachedOverSshAsAnsibleWouldAndSaysSo() throws IOException {
        Path file = Files.writeString(home.resolve("local.yaml"), "all:\n  hosts:\n    localhost:\n      ansible_host: 127.0.0.1\n"
                + "      ansible_port: " + web1.port() + "\n      ansible_user: root\n      ansible_ssh_private_key_file: "
                + web1.clientKey() + "\n      runbook_known_hosts: " + inv.resolve("known_hosts") + "\n");
        Path rb = Files.writeString(home.resolve("where.yaml"), "name: where\nsteps:\n  - id: where\n    run: echo \"via ${SSH_CONNECTION:-no ssh}\"\n");

        Cli.Result r = cli.run("run", rb.toString(), "-i", file.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<JsonNode> finished = AuditLog.ofType(cli.auditFile(), "step.finished");
        assertThat(finished.get(0).get("data").get("stdout_tail").asText().strip()).startsWith("via 127.0.0.1 ").endsWith(" " + web1.port());
        assertThat(r.stderr()).contains("local.yaml:3:5: warning: 'localhost' sets ansible_host, ansible_port and ansible_user but no"
                + " ansible_connection: as in Ansible, it is reached over SSH (root@127.0.0.1:" + web1.port() + ")");
    }
}
