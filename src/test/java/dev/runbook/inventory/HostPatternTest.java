package dev.runbook.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Target;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every host pattern form Ansible users know, on {@code inventory/patterns.yaml}. */
class HostPatternTest {
    static final Path FILE = Path.of("src/test/resources/inventory/patterns.yaml");
    final Inventory inventory = Inventory.load(FILE);

    private List<String> select(String pattern) {
        return inventory.select(pattern).stream().map(Target::name).toList();
    }

    @ParameterizedTest(name = "''{0}'' selects {1}")
    @CsvSource(delimiter = '|', value = {
        // every host, in inventory order
        "all                 | bastion web01 web02 web03 db-a db-b db-10",
        "*                   | bastion web01 web02 web03 db-a db-b db-10",
        // a group: its own hosts and its children's
        "web                 | web01 web02 web03",
        "prod                | web01 web02 web03 db-a db-b db-10",
        "ungrouped           | bastion",
        // a host
        "db-b                | db-b",
        // unions, in inventory order and each host once, whichever term came first
        "canary:web          | web01 web02 web03 db-b",
        "db,web              | web01 web02 web03 db-a db-b db-10",
        "' web , bastion '   | bastion web01 web02 web03",
        // intersection and exclusion
        "prod:&canary        | web03 db-b",
        "prod:!canary        | web01 web02 db-a db-10",
        "web:db:&canary      | web03 db-b",
        // unions first, then intersections, then exclusions, wherever they are written
        "!canary:prod        | web01 web02 db-a db-10",
        "&canary:web:db      | web03 db-b",
        "prod:!web:&canary   | db-b",
        // only & or !: applied to all
        "!prod               | bastion",
        "&canary             | web03 db-b",
        // wildcards: Python fnmatch, matching group names and host names
        "web*                | web01 web02 web03",
        "db-?                | db-a db-b",
        "db-[ab]             | db-a db-b",
        "db-[!ab]*           | db-10",
        "*-10:bastion        | bastion db-10",
        // regular expressions, matched from the start of the name as Ansible's re.match does
        "~db-[0-9]+          | db-10",
        "~web0[12]           | web01 web02",
        "~[bc]a              | bastion web03 db-b",
        // subscripts pick from a group's hosts in its order
        "web[0]              | web01",
        "web[-1]             | web03",
        "web[1:]             | web02 web03",
        "prod[0:1]           | web01 web02",
        "web[1:2]:!web02     | web03",
    })
    void selects(String pattern, String hosts) {
        assertThat(select(pattern)).containsExactly(hosts.split(" "));
    }

    @Test
    void localhostMatchesWithoutBeingListedAsALocalTargetWithTheAllGroupsVars() {
        Target local = inventory.select("localhost").get(0);
        assertThat(local.name()).isEqualTo("localhost");
        assertThat(local.local()).isTrue();
        assertThat(local.vars()).containsEntry("ansible_connection", "local").containsEntry("site", "eu");
        assertThat(select("all")).doesNotContain("localhost");
        assertThat(select("web:localhost")).containsExactly("web01", "web02", "web03", "localhost");
        assertThat(select("127.0.0.1")).containsExactly("127.0.0.1");
        assertThat(inventory.select(null)).extracting(Target::name).containsExactly("localhost");
    }

    @Test
    void aLocalhostListedInTheInventoryIsThatHost(@TempDir Path dir) {
        Inventory inv = InventoryFiles.load(dir, """
                all:
                  hosts:
                    localhost:
                      ansible_connection: ssh
                      ansible_port: 2222
                """);
        Target t = inv.select("localhost").get(0);
        assertThat(t.port()).isEqualTo(2222);
        assertThat(t.local()).isFalse();
        assertThat(inv.select("all")).containsExactly(t);
    }

    @ParameterizedTest(name = "''{0}'' is malformed")
    @ValueSource(strings = {"", "  ", "web:", ":web", "web,,db", "!", "web:&", "&!web", "~", "~web[", "web[1-2]"})
    void aMalformedPatternIsRefusedWithItsText(String pattern) {
        assertThatThrownBy(() -> inventory.select(pattern)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("malformed host pattern '" + pattern + "': ");
    }

    @Test
    void aNameThatIsNeitherGroupNorHostIsRefusedWithAHintAndTheInventoryFile() {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> inventory.select("wbe"));
        assertThat(e.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.message()).isEqualTo("host pattern 'wbe' matches no host in " + FILE
                    + ": 'wbe' is neither a group nor a host there");
            assertThat(d.hint()).isEqualTo("did you mean 'web'?");
        });
    }

    @Test
    void aTypoAfterAnExclusionIsAnErrorNotASilentlyWiderRun() {
        assertThatThrownBy(() -> inventory.select("prod:!canery")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'canery' is neither a group nor a host")
                .satisfies(e -> assertThat(((InvalidInputException) e).diagnostics()).extracting(Diagnostic::hint)
                        .containsExactly("did you mean 'canary'?"));
    }

    @ParameterizedTest(name = "''{0}'' matches no host")
    @ValueSource(strings = {"web:&db", "prod:!prod", "empty", "zz*", "~eb", "!all"})
    void aPatternThatSelectsNothingIsAnErrorNamingThePatternAndTheFile(String pattern) {
        assertThatThrownBy(() -> inventory.select(pattern)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("host pattern '" + pattern + "' matches no host in " + FILE);
    }

    @Test
    void aSubscriptPastTheEndOfItsGroupIsAnError() {
        assertThatThrownBy(() -> inventory.select("web[3]")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'web[3]' is past the end: 'web' has 3 hosts");
    }

    @Test
    void aHostListedUnderUngroupedButAlsoInAnotherGroupIsNotUngroupedAsInAnsible(@TempDir Path dir) {
        Inventory inv = InventoryFiles.load(dir, """
                ungrouped:
                  hosts: {a: , b: }
                web:
                  hosts: {b: }
                """);
        assertThat(inv.select("ungrouped")).extracting(Target::name).containsExactly("a");
    }

    @Test
    void groupsAreListedAllAndUngroupedFirstThenInFileOrder() {
        assertThat(inventory.groups()).containsExactly("all", "ungrouped", "prod", "web", "db", "canary", "empty");
    }
}
