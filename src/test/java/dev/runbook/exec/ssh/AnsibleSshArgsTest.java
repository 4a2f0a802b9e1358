package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnsibleSshArgsTest {

    @Test
    void readsTheOptionsThatDecideWhereAndHowToConnect() {
        Map<String, List<String>> m = AnsibleSshArgs.empty();

        AnsibleSshArgs.parse("-C -o ControlMaster=auto -o 'UserKnownHostsFile=/etc/a b' -oPort=2200 -J jump@bastion"
                + " -i ~/.ssh/deploy -l admin -o \"StrictHostKeyChecking no\"", m);

        assertThat(m).containsEntry("controlmaster", List.of("auto"))
                .containsEntry("userknownhostsfile", List.of("/etc/a", "b"))
                .containsEntry("port", List.of("2200"))
                .containsEntry("proxyjump", List.of("jump@bastion"))
                .containsEntry("identityfile", List.of("~/.ssh/deploy"))
                .containsEntry("user", List.of("admin"))
                .containsEntry("stricthostkeychecking", List.of("no"));
    }

    @Test
    void keepsAProxyCommandWholeForTheShell() {
        Map<String, List<String>> m = AnsibleSshArgs.empty();

        AnsibleSshArgs.parse("-o ProxyCommand=\"ssh -W %h:%p -q 'bastion one'\" -o ServerAliveInterval=5", m);

        assertThat(m).containsEntry("proxycommand", List.of("ssh -W %h:%p -q 'bastion one'"))
                .containsEntry("serveraliveinterval", List.of("5"));
    }

    @Test
    void keepsTheFirstValueLikeSshDoes() {
        Map<String, List<String>> m = AnsibleSshArgs.empty();

        AnsibleSshArgs.parse("-o Port=1 -p 2", m);

        assertThat(m).containsEntry("port", List.of("1"));
    }

    @Test
    void identityAndCertificateFilesAddUpLikeSshDoes() {
        Map<String, List<String>> m = AnsibleSshArgs.empty();

        AnsibleSshArgs.parse("-i ~/.ssh/a -o IdentityFile=~/.ssh/b -o CertificateFile=~/.ssh/a.cert"
                + " -o CertificateFile=~/.ssh/b.cert", m);

        assertThat(m).containsEntry("identityfile", List.of("~/.ssh/a", "~/.ssh/b"))
                .containsEntry("certificatefile", List.of("~/.ssh/a.cert", "~/.ssh/b.cert"));
    }

    @Test
    void splitsLikeAShell() {
        assertThat(AnsibleSshArgs.split("a 'b c' \"d\\\"e\" f\\ g")).containsExactly("a", "b c", "d\"e", "f g");
    }
}
