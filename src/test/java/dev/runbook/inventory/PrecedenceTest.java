package dev.runbook.inventory;

import static dev.runbook.inventory.InventoryFiles.host;
import static dev.runbook.inventory.InventoryFiles.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ansible's rules for merging inventory vars ("How variables are merged" in its inventory guide):
 * all < parent group < child group < host; groups of the same depth in ASCII order, the later
 * winning, unless ansible_group_priority orders them. AnsibleParityTest checks the same against
 * Ansible's own output; these say each rule on its own (VarsFilesTest those of group_vars and host_vars).
 */
class PrecedenceTest {
    @TempDir
    Path dir;

    @Test
    void hostVarsBeatChildGroupVarsWhichBeatParentGroupVarsWhichBeatAll() {
        Inventory inv = load(dir, """
                all:
                  vars: {a: all, b: all, c: all, d: all}
                  children:
                    parent:
                      vars: {b: parent, c: parent, d: parent}
                      children:
                        child:
                          vars: {c: child, d: child}
                          hosts:
                            h1: {d: host}
                """);
        assertThat(host(inv, "h1").vars()).contains(entry("a", "all"), entry("b", "parent"), entry("c", "child"), entry("d", "host"));
    }

    @Test
    void groupsOfTheSameDepthApplyInAlphabeticalOrderTheLaterWinning() {
        Inventory inv = load(dir, """
                b_group:
                  vars: {testvar: b}
                  hosts: {h1: }
                a_group:
                  vars: {testvar: a}
                  hosts: {h1: }
                """);
        assertThat(host(inv, "h1").vars()).containsEntry("testvar", "b");
    }

    @Test
    void aHigherAnsibleGroupPriorityWinsAtTheSameDepthAsInAnsiblesDocumentedExample() {
        Inventory inv = load(dir, """
                a_group:
                  vars:
                    testvar: a
                    ansible_group_priority: 10
                  hosts: {h1: }
                b_group:
                  vars:
                    testvar: b
                  hosts: {h1: }
                """);
        assertThat(host(inv, "h1").vars()).containsEntry("testvar", "a").doesNotContainKey("ansible_group_priority");
    }

    @Test
    void priorityNeverLiftsAParentAboveItsChild() {
        Inventory inv = load(dir, """
                parent:
                  vars: {testvar: parent, ansible_group_priority: 100}
                  children:
                    child:
                      vars: {testvar: child}
                      hosts: {h1: }
                """);
        assertThat(host(inv, "h1").vars()).containsEntry("testvar", "child");
    }

    @Test
    void aGroupReachedByTwoPathsHasTheDepthOfTheLongest() {
        // web is a child of all (depth 1) and of prod (depth 2): at depth 2 it beats zz, also at depth 2
        // only by name; at depth 1 it would lose to prod
        Inventory inv = load(dir, """
                all:
                  children:
                    prod:
                      vars: {tier: prod}
                      children:
                        web:
                        zz:
                          vars: {tier: zz}
                          hosts: {h1: }
                    web:
                      vars: {tier: web}
                      hosts: {h1: }
                """);
        assertThat(host(inv, "h1").vars()).containsEntry("tier", "zz");
        Inventory flat = load(dir, """
                prod:
                  vars: {tier: prod}
                  hosts: {h1: }
                web:
                  vars: {tier: web}
                  hosts: {h1: }
                """);
        assertThat(host(flat, "h1").vars()).containsEntry("tier", "web");
    }

    @Test
    void aHostListedInSeveralPlacesMergesItsVarsTheLaterWinning() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    db1: {role: replica, port_hint: 1}
                  children:
                    db:
                      hosts:
                        db1: {role: primary}
                """);
        assertThat(host(inv, "db1").vars()).contains(entry("role", "primary"), entry("port_hint", 1L));
        assertThat(inv.select("db")).extracting(t -> t.name()).containsExactly("db1");
    }

    @Test
    void aGroupDefinedInSeveralPlacesMergesItsHostsAndVars() {
        Inventory inv = load(dir, """
                all:
                  children:
                    web:
                      vars: {a: 1, b: 1}
                      hosts: {w1: }
                prod:
                  children:
                    web:
                      vars: {b: 2}
                      hosts: {w2: }
                """);
        assertThat(inv.select("web")).extracting(t -> t.name()).containsExactly("w1", "w2");
        assertThat(host(inv, "w1").vars()).contains(entry("a", 1L), entry("b", 2L));
    }

    @Test
    void aNestedMappingIsReplacedWholeNotMergedAsWithAnsiblesDefaultHashBehaviour() {
        Inventory inv = load(dir, """
                parent:
                  vars:
                    settings: {workers: 4, tls: true}
                  children:
                    child:
                      vars:
                        settings: {workers: 1}
                      hosts: {h1: }
                """);
        assertThat(host(inv, "h1").vars().get("settings")).isEqualTo(Map.of("workers", 1L));
    }

    @Test
    void topLevelGroupsAreChildrenOfAllAndGetItsVars() {
        Inventory inv = load(dir, """
                web:
                  hosts: {w1: }
                all:
                  vars: {ntp: ntp.example.com}
                """);
        assertThat(host(inv, "w1").vars()).containsEntry("ntp", "ntp.example.com");
        assertThat(inv.select("all")).extracting(t -> t.name()).containsExactly("w1");
    }

    @Test
    void plainYesNoOnOffAreBooleansAsInAnsiblesYaml11ButQuotedTheyStayStrings() {
        Inventory inv = load(dir, """
                all:
                  hosts:
                    h1:
                      ansible_become: yes
                      a: on
                      b: "yes"
                      c: 'no'
                      d: Off
                      e: True
                      f: y
                """);
        assertThat(host(inv, "h1").vars()).contains(entry("ansible_become", true), entry("a", true), entry("b", "yes"),
                entry("c", "no"), entry("d", false), entry("e", true), entry("f", "y"));
    }
}
