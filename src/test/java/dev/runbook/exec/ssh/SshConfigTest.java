package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.LocalRunner;
import dev.runbook.exec.UnreachableException;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshConfigTest {

    private static Map<String, List<String>> lookup(String config, String host) {
        return SshConfig.parse(config).lookup(host, Map.of());
    }

    @Test
    void aNegatedPatternKeepsItsHostOutOfTheBlock() {
        String config = "Host * !bastion\n  ProxyJump bastion\n";

        assertThat(lookup(config, "web1")).containsEntry("proxyjump", List.of("bastion"));
        assertThat(lookup(config, "bastion")).doesNotContainKey("proxyjump");
    }

    @Test
    void aProxyCommandIsKeptAsWrittenForTheShell() {
        String config = "Host app\n  ProxyCommand ssh -W %h:%p \"bastion\" 2>/dev/null\nHost *\n  ProxyCommand none\n";

        assertThat(lookup(config, "app")).containsEntry("proxycommand", List.of("ssh -W %h:%p \"bastion\" 2>/dev/null"));
        assertThat(lookup(config, "other")).containsEntry("proxycommand", List.of("none"));
    }

    @Test
    void theFirstValueObtainedWinsAndIdentityFilesAccumulate() {
        String config = """
                Host web*
                  Port 2222
                  IdentityFile ~/.ssh/web
                Host *
                  Port 22
                  User deploy
                  IdentityFile ~/.ssh/id_ed25519
                """;

        Map<String, List<String>> c = lookup(config, "web1");

        assertThat(c).containsEntry("port", List.of("2222")).containsEntry("user", List.of("deploy"))
                .containsEntry("identityfile", List.of("~/.ssh/web", "~/.ssh/id_ed25519"));
    }

    @Test
    void commandLineOptionsWinOverTheFile() {
        Map<String, List<String>> c = SshConfig.parse("Host *\n Port 22\n").lookup("x", Map.of("Port", List.of("2200")));

        assertThat(c).containsEntry("port", List.of("2200"));
    }

    @Test
    void readsKeywordsInAnyCaseWithEqualsSignsAndQuotes() {
        Map<String, List<String>> c = lookup("HOST x\n  hostname=10.0.0.1\n  IdentityFile \"/keys/my key\"\n", "x");

        assertThat(c).containsEntry("hostname", List.of("10.0.0.1")).containsEntry("identityfile", List.of("/keys/my key"));
    }

    @Test
    void onlyMatchAllApplies() {
        String config = "Match host x\n  User a\nMatch all\n  Port 2\n";

        assertThat(lookup(config, "x")).doesNotContainKey("user").containsEntry("port", List.of("2"));
    }

    @Test
    void includesFilesInPlaceAndOnlyWhereTheirBlockApplies(@TempDir Path home) throws Exception {
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        Files.createDirectories(ssh.resolve("conf.d"));
        Files.writeString(ssh.resolve("conf.d/a.conf"), "Host db\n  User dbadmin\nHost *\n  Port 2022\n");
        Files.writeString(ssh.resolve("config"), "Host web\n  Include conf.d/*.conf\nHost *\n  User nobody\n");

        SshConfig config = SshConfig.load(List.of(ssh.resolve("config")), home);

        assertThat(config.lookup("web", Map.of())).containsEntry("port", List.of("2022"))
                .containsEntry("user", List.of("nobody"));
        assertThat(config.lookup("db", Map.of())).doesNotContainKey("port").containsEntry("user", List.of("nobody"));
    }

    @Test
    void globsMatchCaseInsensitively() {
        assertThat(SshConfig.glob("web-??.example.*", "WEB-01.example.com")).isTrue();
        assertThat(SshConfig.glob("web-?", "web-10")).isFalse();
        assertThat(SshConfig.glob("*", "")).isTrue();
    }

    @Test
    void valuesSshWouldRefuseAreReportedAtTheirFileLineAndColumnInEveryBlock(@TempDir Path home) throws Exception {
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(ssh.resolve("extra.conf"), "Host db\n  ServerAliveCountMax lots\n");
        Files.writeString(ssh.resolve("config"), """
                Host web
                  Port abc
                Host never-used
                  Port 99999
                Match host x
                  ServerAliveInterval soon
                Host *
                  ConnectTimeout=1h
                  Include extra.conf
                """);

        SshConfig config = SshConfig.load(List.of(ssh.resolve("config")), home);

        String file = ssh.resolve("config").toString();
        assertThat(config.problems()).extracting(Diagnostic::toString).containsExactly(
                file + ":2:8: error: Port must be a port number from 1 to 65535, not 'abc'",
                file + ":4:8: error: Port must be a port number from 1 to 65535, not '99999'",
                file + ":6:23: error: ServerAliveInterval must be a time in seconds such as 30 or 1m, not 'soon'",
                ssh.resolve("extra.conf") + ":2:23: error: ServerAliveCountMax must be a whole number, not 'lots'");
    }

    @Test
    void timesAndPortsSshTakesAreNoProblemAndTheFirstValueStillWins() {
        SshConfig config = SshConfig.parse("""
                Host web
                  Port 2222
                  ServerAliveInterval 1m30s
                  ConnectTimeout none
                Host *
                  Port 22
                  ServerAliveInterval 5
                  ServerAliveCountMax 0
                """);

        assertThat(config.problems()).isEmpty();
        assertThat(config.lookup("web", Map.of())).containsEntry("port", List.of("2222"))
                .containsEntry("serveraliveinterval", List.of("1m30s"));
        assertThat(SshConfig.seconds("1m30s")).isEqualTo(90);
        assertThat(SshConfig.seconds("2H")).isEqualTo(7200);
        assertThat(SshConfig.seconds("soon")).isEqualTo(-1);
        assertThat(SshConfig.seconds("10ms")).isEqualTo(-1);
    }

    @Test
    void aBrokenConfigRefusesTheRunsRemoteHostsAsBadInputAndNamesItsLineWhenAHostIsOpened(@TempDir Path home) throws Exception {
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(ssh.resolve("config"), "Host *\n  Port abc\n");
        SshConnector connector = new SshConnector(SshSettings.isolated(home));
        Target web = new Target("web1", "192.0.2.1", 0, null, Map.of());
        String problem = ssh.resolve("config") + ":2:8: error: Port must be a port number from 1 to 65535, not 'abc'";

        assertThatThrownBy(() -> connector.check(List.of(web))).isInstanceOf(InvalidInputException.class).hasMessage(problem);
        assertThatThrownBy(() -> connector.open(web)).isInstanceOf(UnreachableException.class).hasMessage(problem);
        Connectors both = new Connectors(new LocalRunner(null), connector);
        both.check(List.of(Target.LOCALHOST));
    }

    @Test
    void aProxyJumpLoopIsOneMessageNamingEachHop(@TempDir Path home) throws Exception {
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(ssh.resolve("config"), "Host *\n  User deploy\n  ProxyJump 127.0.0.1\n");
        SshConnector connector = new SshConnector(SshSettings.isolated(home));

        assertThatThrownBy(() -> connector.open(new Target("web1", "192.0.2.1", 0, null, Map.of())))
                .isInstanceOf(UnreachableException.class)
                .hasMessage("ProxyJump loop: deploy@192.0.2.1:22 -> deploy@127.0.0.1:22 -> deploy@127.0.0.1:22;"
                        + " check ProxyJump in ssh_config and ansible_ssh_common_args");
    }
}
