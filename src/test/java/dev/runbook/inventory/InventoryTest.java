package dev.runbook.inventory;

import static dev.runbook.inventory.InventoryFiles.host;
import static dev.runbook.inventory.InventoryFiles.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;

import dev.runbook.engine.Hosts;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading an inventory into targets, and choosing which inventory a command uses. */
class InventoryTest {
    @TempDir
    Path dir;

    @Test
    void aTargetTakesAddressPortAndUserFromAnsiblesVarsAndKeepsEveryVar() {
        Inventory inv = load(dir, """
                all:
                  vars:
                    ansible_user: deploy
                    ansible_ssh_private_key_file: ~/.ssh/deploy_ed25519
                  hosts:
                    jumper:
                      ansible_host: 192.0.2.50
                      ansible_port: 5555
                      ansible_become: true
                      ansible_become_user: postgres
                      ansible_become_password: hunter2
                      ansible_connection: ssh
                    plain:
                """);
        Target jumper = host(inv, "jumper");
        assertThat(jumper).extracting(Target::address, Target::port, Target::user).containsExactly("192.0.2.50", 5555, "deploy");
        assertThat(jumper.vars()).contains(entry("ansible_ssh_private_key_file", "~/.ssh/deploy_ed25519"),
                entry("ansible_become", true), entry("ansible_become_user", "postgres"),
                entry("ansible_become_password", "hunter2"), entry("ansible_connection", "ssh"), entry("ansible_port", 5555L));
        Target plain = host(inv, "plain");
        assertThat(plain).extracting(Target::address, Target::port, Target::user).containsExactly("plain", 0, "deploy");
    }

    @Test
    void ansiblesOlderSshNamesAreUnderstoodAndTheCurrentOnesWin() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    old:
                      ansible_ssh_host: 192.0.2.1
                      ansible_ssh_port: 2200
                      ansible_ssh_user: legacy
                    both:
                      ansible_ssh_host: 192.0.2.1
                      ansible_host: 192.0.2.2
                      ansible_ssh_user: legacy
                      ansible_user: current
                """);
        assertThat(host(inv, "old")).extracting(Target::address, Target::port, Target::user).containsExactly("192.0.2.1", 2200, "legacy");
        assertThat(host(inv, "both")).extracting(Target::address, Target::user).containsExactly("192.0.2.2", "current");
    }

    @Test
    void aPortWrittenAfterTheHostNameIsItsAnsiblePortAndAStringPortIsAccepted() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    badwolf.example.com:5309:
                    quoted:
                      ansible_port: "2222"
                    "[2001:db8::1]:2022":
                """);
        assertThat(host(inv, "badwolf.example.com").port()).isEqualTo(5309);
        assertThat(host(inv, "badwolf.example.com").vars()).containsEntry("ansible_port", 5309L);
        assertThat(host(inv, "quoted").port()).isEqualTo(2222);
        assertThat(host(inv, "2001:db8::1").port()).isEqualTo(2022);
    }

    @Test
    void onlyThePortWhereAHostFirstAppearsCountsAsInAnsible() {
        Inventory inv = load(dir, """
                a:
                  hosts:
                    h:22:
                b:
                  hosts:
                    h:2200:
                    g:
                c:
                  hosts:
                    g:2222:
                """);
        assertThat(host(inv, "h").port()).isEqualTo(22);
        assertThat(host(inv, "g").port()).isZero();
    }

    @Test
    void hostRangesExpandAsInAnsibleWithStridesPaddingAndLetters() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    www[01:05:2].example.com:
                    db-[a:c]:
                    node[8:10]:
                """);
        assertThat(inv.select("all")).extracting(Target::name).containsExactly("www01.example.com", "www03.example.com",
                "www05.example.com", "db-a", "db-b", "db-c", "node8", "node9", "node10");
    }

    @Test
    void hostsWrittenAsAPlainStringAreOneHostAsAnsibleAccepts() {
        Inventory inv = load(dir, """
                all:
                  children:
                    web:
                      hosts: web1
                """);
        assertThat(inv.select("web")).extracting(Target::name).containsExactly("web1");
    }

    @Test
    void aRelativeKnownHostsFileIsResolvedAgainstTheInventorysDirectory() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("inv"));
        Inventory inv = Inventory.load(Files.writeString(sub.resolve("hosts.yaml"), """
                all:
                  vars:
                    runbook_known_hosts: keys/known_hosts
                  hosts:
                    a:
                    b:
                      runbook_known_hosts: /etc/ssh/ssh_known_hosts
                    c:
                      runbook_known_hosts: ~/.ssh/known_hosts_fleet
                """));
        assertThat(host(inv, "a").vars()).containsEntry("runbook_known_hosts", sub.resolve("keys/known_hosts").toAbsolutePath().toString());
        assertThat(host(inv, "b").vars()).containsEntry("runbook_known_hosts", "/etc/ssh/ssh_known_hosts");
        assertThat(host(inv, "c").vars()).containsEntry("runbook_known_hosts",
                Path.of(System.getProperty("user.home"), ".ssh/known_hosts_fleet").toString());
    }

    @Test
    void hostKeyCheckingTakesStrictOrAcceptNew() {
        Inventory inv = load(dir, """
                all:
                  vars:
                    runbook_host_key_checking: strict
                  hosts:
                    a:
                    b:
                      runbook_host_key_checking: accept-new
                """);
        assertThat(host(inv, "a").vars()).containsEntry("runbook_host_key_checking", "strict");
        assertThat(host(inv, "b").vars()).containsEntry("runbook_host_key_checking", "accept-new");
    }

    @Test
    void hostKeyCheckingWrittenAsABooleanIsToldTheModesNotAType() throws IOException {
        for (String word : List.of("off", "no", "false", "Off", "yes")) {
            Path f = Files.writeString(dir.resolve("hk.yaml"), "all:\n  hosts:\n    h1:\n      runbook_host_key_checking: " + word + "\n");
            InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Inventory.load(f));
            assertThat(e.diagnostics()).as(word).singleElement().extracting(d -> d.message()).asString()
                    .startsWith("runbook_host_key_checking must be 'strict' or 'accept-new', not ").doesNotContain("must be a string");
        }
    }

    @Test
    void varsCannotBeChangedThroughATargetNestedValuesIncluded() {
        Inventory inv = load(dir, """
                all:
                  vars:
                    packages: [nginx]
                    limits: {nofile: 1024}
                  hosts:
                    a:
                """);
        Map<String, Object> vars = host(inv, "a").vars();
        assertThatThrownBy(() -> vars.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((List<Object>) vars.get("packages")).add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((Map<String, Object>) vars.get("limits")).put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void booleansRunbookReadsTakeAnsiblesWordsInAnyCaseAndBecomeTrueOrFalse() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    a: {ansible_become: "Yes", runbook_persistent_shell: " on "}
                    b: {ansible_become: "OFF", runbook_persistent_shell: 1}
                    c: {ansible_become: no, runbook_persistent_shell: "t"}
                    d: {ansible_become: 0, runbook_persistent_shell: "FALSE"}
                """);

        assertThat(host(inv, "a").vars()).containsEntry("ansible_become", true).containsEntry("runbook_persistent_shell", true);
        assertThat(host(inv, "b").vars()).containsEntry("ansible_become", false).containsEntry("runbook_persistent_shell", true);
        assertThat(host(inv, "c").vars()).containsEntry("ansible_become", false).containsEntry("runbook_persistent_shell", true);
        assertThat(host(inv, "d").vars()).containsEntry("ansible_become", false).containsEntry("runbook_persistent_shell", false);
    }

    @Test
    void ansiblesOtherNamesForSshAndLocalConnectionsAreUnderstood() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    p: {ansible_connection: paramiko}
                    s: {ansible_connection: smart}
                    f: {ansible_connection: ansible.builtin.ssh}
                    l: {ansible_connection: ansible.builtin.local}
                    localhost: {ansible_connection: ssh}
                """);

        assertThat(inv.select("p,s,f")).allSatisfy(t -> {
            assertThat(t.local()).isFalse();
            assertThat(t.vars()).containsEntry("ansible_connection", "ssh");
        });
        assertThat(host(inv, "l").local()).isTrue();
        assertThat(host(inv, "localhost").local()).as("localhost told to use ssh").isFalse();
    }

    @Test
    void databasesWrittenAsTheReadmeShowsLoadAsWritten() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    db1:
                      runbook_databases:
                        nucleus: {url: "jdbc:postgresql://db1:5432/nucleus", user: runbook, password: "env:NUCLEUS_DB_PASSWORD"}
                        audit:   {host: db2, port: "5432", dbname: audit, user: runbook, password: "file:/etc/runbook/audit.pw", connect_timeout: 5s}
                        local:   {user: postgres}
                """);

        assertThat((Map<String, Object>) host(inv, "db1").vars().get("runbook_databases")).containsOnlyKeys("nucleus", "audit", "local")
                .containsEntry("audit", Map.of("host", "db2", "port", "5432", "dbname", "audit", "user", "runbook",
                        "password", "file:/etc/runbook/audit.pw", "connect_timeout", "5s"));
    }

    @Test
    void loadingAMissingFileOrADirectoryWithoutInventoryFilesNamesIt() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> Inventory.load(missing)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("inventory " + missing + " does not exist");
        assertThatThrownBy(() -> Inventory.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("inventory " + dir + " is a directory with no YAML inventory file in it");
    }

    @Test
    void aDirectoryThatIsTheWorkingDirectoryIsNamedNotLeftBlank() {
        // the working directory of the tests is the project's: '.' and 'src/..' both name it, and it holds no inventory file
        assertThatThrownBy(() -> Inventory.load(Path.of("."))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("inventory . is a directory with no YAML inventory file in it");
        assertThatThrownBy(() -> Inventory.resolve(Path.of("src/.."), Map.of(), Path.of("").toAbsolutePath()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("inventory . is a directory with no YAML inventory file");
    }

    @Test
    void anIniInventoryIsRefusedAtItsFirstLineWithTheCommandThatConvertsIt() throws IOException {
        Path ini = Files.writeString(dir.resolve("i4.ini"), "[web]\nweb1 ansible_host=1.2.3.4\n");
        Path hostLines = Files.writeString(dir.resolve("hosts"), "# ungrouped first\nweb1 ansible_host=1.2.3.4\n[db]\ndb1\n");

        assertThatThrownBy(() -> Inventory.load(ini)).isInstanceOf(InvalidInputException.class)
                .hasMessage(ini + ":1:1: error: INI inventories are not supported; convert it to YAML with:"
                        + " ansible-inventory -i " + ini + " --list -y --output " + dir.resolve("i4.yaml"));
        assertThat(((InvalidInputException) catchThrowable(() -> Inventory.load(hostLines))).diagnostics())
                .singleElement().hasToString(hostLines + ":2:1: error: INI inventories are not supported; convert it to YAML with:"
                        + " ansible-inventory -i " + hostLines + " --list -y --output " + hostLines + ".yaml");
    }

    @Test
    void aYamlInventoryThatMerelyLooksOddIsNotTakenForIni() {
        // a flow sequence or a scalar at the top is reported as YAML, not as INI, unless its first line is INI
        assertThatThrownBy(() -> load(dir, "- web1\n")).hasMessageContaining("an inventory is a mapping of group names");
        assertThatThrownBy(() -> load(dir, "web1\n")).hasMessageContaining("an inventory is a mapping of group names");
    }

    @Test
    void resolveTakesTheExplicitFileThenTheEnvironmentThenInventoryHostsYamlThenLocalhostOnly() throws IOException {
        Files.createDirectories(dir.resolve("inventory"));
        Files.writeString(dir.resolve("explicit.yaml"), "all: {hosts: {from-flag: }}\n");
        Files.writeString(dir.resolve("env.yaml"), "all: {hosts: {from-env: }}\n");
        Files.writeString(dir.resolve("inventory/hosts.yaml"), "all: {hosts: {from-default: }}\n");
        Map<String, String> env = Map.of("RUNBOOK_INVENTORY", "env.yaml");

        assertThat(names(Inventory.resolve(Path.of("explicit.yaml"), env, dir))).containsExactly("from-flag");
        assertThat(names(Inventory.resolve(null, env, dir))).containsExactly("from-env");
        assertThat(names(Inventory.resolve(null, Map.of("RUNBOOK_INVENTORY", ""), dir))).containsExactly("from-default");
        Files.delete(dir.resolve("inventory/hosts.yaml"));
        assertThat(Inventory.resolve(null, Map.of(), dir)).isSameAs(Hosts.LOCAL_ONLY);
        assertThat(((Inventory) Inventory.resolve(null, env, dir)).file()).isEqualTo(dir.resolve("env.yaml"));
    }

    @Test
    void aChosenInventoryThatDoesNotExistIsAnErrorSayingWhereItCameFrom() {
        assertThatThrownBy(() -> Inventory.resolve(Path.of("typo.yaml"), Map.of(), dir))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("typo.yaml (from -i) does not exist");
        assertThatThrownBy(() -> Inventory.resolve(null, Map.of("RUNBOOK_INVENTORY", "gone.yaml"), dir))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("gone.yaml (from RUNBOOK_INVENTORY) does not exist");
    }

    private static List<String> names(Hosts hosts) {
        return hosts.select("all").stream().map(Target::name).toList();
    }

    @Test
    void secretLookingVarsAreMaskedForListingAndTheOriginalIsUntouched() {
        Map<String, Object> vars = new java.util.LinkedHashMap<>();
        vars.put("ansible_become_password", "hunter2");
        vars.put("ansible_ssh_pass", "s3cret");
        vars.put("db_passwd", "x");
        vars.put("API_TOKEN", "t");
        vars.put("client_secret", "c");
        vars.put("aws_secret_access_key", "k");
        vars.put("deploy_key", "-----BEGIN");
        vars.put("ansible_ssh_private_key_file", "~/.ssh/id_ed25519");
        vars.put("ansible_user", "deploy");
        vars.put("empty_password", null);
        vars.put("db", Map.of("password", "nested", "host", "db1"));
        // a key or token var that names a file is a path a reviewer must see; a password never is
        vars.put("tls_key", "/etc/nginx/ssl/nucleus.key");
        vars.put("token_file_secret", "/run/secrets/token");
        vars.put("root_password", "/starts-with-a-slash");
        Map<String, Object> masked = SecretVars.masked(vars);
        assertThat(masked).contains(entry("ansible_become_password", "****"), entry("ansible_ssh_pass", "****"),
                entry("db_passwd", "****"), entry("API_TOKEN", "****"), entry("client_secret", "****"),
                entry("aws_secret_access_key", "****"), entry("deploy_key", "****"),
                entry("ansible_ssh_private_key_file", "~/.ssh/id_ed25519"), entry("ansible_user", "deploy"),
                entry("empty_password", null), entry("tls_key", "/etc/nginx/ssl/nucleus.key"),
                entry("token_file_secret", "/run/secrets/token"), entry("root_password", "****"));
        assertThat(masked.get("db")).isEqualTo(Map.of("password", "****", "host", "db1"));
        assertThat(vars).containsEntry("ansible_become_password", "hunter2");
    }
}
