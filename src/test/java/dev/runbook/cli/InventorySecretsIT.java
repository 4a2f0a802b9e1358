package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testing.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials that do not come from a runbook's {@code secrets:}: inventory vars whose names look
 * secret, and the tool's own (the SSH key passphrase, the audit store's password). They do their
 * job and appear in no output, plan or audit, whatever an expression makes of them.
 */
class InventorySecretsIT {
    @TempDir
    Path home;

    @Test
    void anInventoryTokenIsASecretInExpressionsNotOnlyInTheListing() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        Path inventory = Files.writeString(home.resolve("inventory.yaml"),
                "all:\n  hosts:\n    localhost:\n      api_token: " + token + "\n      deploy:\n        db_password: " + token + "-db\n");
        Path runbook = Files.writeString(home.resolve("tokens.yaml"), """
                name: tokens
                steps:
                  - id: use
                    run: "echo {{ host.vars.api_token }} {{ upper(host.vars.api_token) }} {{ replace(host.vars.api_token, 'tok', 'x') }} {{ join(split(host.vars.api_token, '-'), '+') }} {{ host.vars.deploy.db_password }}; printf %s {{ host.vars.api_token }} | sha256sum"
                """);
        Cli cli = Cli.in(home);

        Cli.Result run = cli.run("run", runbook.toString(), "-i", inventory.toString());
        List<Cli.Result> plans = List.of(cli.run("plan", runbook.toString(), "-i", inventory.toString()),
                cli.run("plan", runbook.toString(), "-i", inventory.toString(), "--format", "markdown"),
                cli.run("plan", runbook.toString(), "-i", inventory.toString(), "--format", "json"));

        assertThat(run.exitCode()).as(run.toString()).isZero();
        // the command received the real value, through its environment
        assertThat(run.stdout()).contains(sha256(token));
        String leaked = token.substring(4);
        for (Cli.Result r : plans) {
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.output()).doesNotContain(leaked).doesNotContain(leaked.toUpperCase(Locale.ROOT)).contains("****");
        }
        assertThat(run.output()).doesNotContain(leaked).doesNotContain(leaked.toUpperCase(Locale.ROOT));
        assertThat(Files.readString(cli.auditFile())).doesNotContain(leaked).doesNotContain(leaked.toUpperCase(Locale.ROOT));
    }

    @Test
    void theSshKeyPassphraseReachesNoStepAndIsMaskedInOutput() throws Exception {
        String passphrase = "pass-" + UUID.randomUUID();
        Path runbook = Files.writeString(home.resolve("env.yaml"), """
                name: env
                steps:
                  - id: look
                    run: "env | grep -c '^RUNBOOK_SSH_KEY_PASSPHRASE=' || true; echo typed %s"
                """.formatted(passphrase));

        Cli.Result run = Cli.in(home).withEnv("RUNBOOK_SSH_KEY_PASSPHRASE", passphrase).run("run", runbook.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("look │ 0").contains("typed ****").doesNotContain(passphrase);
        assertThat(Files.readString(Cli.in(home).auditFile())).doesNotContain(passphrase);
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
