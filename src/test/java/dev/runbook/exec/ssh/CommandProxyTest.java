package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.UnreachableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ProxyCommand's tokens: expanded as OpenSSH does, but a value can never become a command of its own. */
class CommandProxyTest {
    @TempDir
    Path dir;

    private static String expand(String template, String host) throws UnreachableException {
        return CommandProxy.expand(template, "app", host, 2222, "deploy", "host app");
    }

    /** What {@code /bin/sh -c} makes of the expanded command's arguments, one per line. */
    private static String shell(String command) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void expandsHostPortUserNameAndPercent() throws Exception {
        assertThat(expand("ssh -W %h:%p -l %r jump # %n 100%%", "10.0.0.5"))
                .isEqualTo("ssh -W 10.0.0.5:2222 -l deploy jump # app 100%");
    }

    @Test
    void aHostNameWithShellSyntaxStaysOneWordAndRunsNothing() throws Exception {
        Path canary = dir.resolve("canary");
        for (String evil : new String[] {"x;touch " + canary, "$(touch " + canary + ")", "`touch " + canary + "`",
                "a b", "it's", "x\ntouch " + canary, "x|touch " + canary}) {
            String command = expand("printf '[%%s]\\n' %h", evil);

            assertThat(shell(command)).as(command).isEqualTo("[" + evil + "]\n");
        }
        assertThat(Files.exists(canary)).isFalse();
    }

    @Test
    void refusesATokenItDoesNotExpand() {
        assertThatThrownBy(() -> expand("ssh -S %C bastion", "h"))
                .isInstanceOf(UnreachableException.class)
                .hasMessage("host app: ProxyCommand 'ssh -S %C bastion': %C is not a token runbook expands (it knows %h, %p, %r, %n and %%)");
    }
}
