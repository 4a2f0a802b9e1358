package dev.runbook.exec.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.exec.Command;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RemoteCommandTest {

    @Test
    void putsNeitherSecretsNorThePasswordNorTheCommandOnTheExecLine() {
        Command c = new Command("deploy --token \"$TOKEN\"", false, null, Map.of("TOKEN", "t0ps3cret"), null, "root",
                "hunter2");

        RemoteCommand r = RemoteCommand.of(c);

        assertThat(r.execLine()).startsWith("exec sudo -S -p '" + r.prompt() + "' -u 'root' -- /bin/sh -c ")
                .doesNotContain("t0ps3cret").doesNotContain("hunter2").doesNotContain("deploy").doesNotContain("\n")
                .doesNotContain("!");
        assertThat(r.prompt()).matches("\\[runbook-sudo-[0-9a-f]{24}]");
        // the password goes alone, at sudo's prompt: what follows it is never read as another attempt
        assertThat(new String(r.password(), StandardCharsets.UTF_8)).isEqualTo("hunter2\n");
        String stdin = new String(r.stdin(), StandardCharsets.UTF_8);
        assertThat(stdin).startsWith(r.started() + "\n").contains("export TOKEN='t0ps3cret'\n").doesNotContain("hunter2");
    }

    @Test
    void usesNonInteractiveSudoWhenThereIsNoPassword() {
        Command c = new Command("id", false, null, Map.of(), null, "postgres", null);

        assertThat(RemoteCommand.of(c).execLine()).startsWith("exec sudo -n -u 'postgres' -- ");
    }

    @Test
    void quotesEveryCharacterForTheShell() {
        assertThat(dev.runbook.exec.ShellProgram.quote("it's $HOME `x` \\")).isEqualTo("'it'\\''s $HOME `x` \\'");
    }

    @Test
    void refusesEnvNamesAndPasswordsTheShellOrSudoCannotCarry() {
        assertThatThrownBy(() -> RemoteCommand.of(new Command("x", false, null, Map.of("A-B", "1"), null, null, null)))
                .hasMessageContaining("'A-B'");
        assertThatThrownBy(() -> RemoteCommand.of(new Command("x", false, null, Map.of(), null, "root", "a\nb")))
                .hasMessageContaining("line break");
    }
}
