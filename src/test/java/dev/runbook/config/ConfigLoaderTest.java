package dev.runbook.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file: where it is found, what overrides it, and its diagnostics. */
class ConfigLoaderTest {
    @TempDir
    Path work;
    @TempDir
    Path home;
    Map<String, String> env = new HashMap<>();

    @BeforeEach
    void noInheritedSettings() {
        env.put("HOME", home.toString());
    }

    Config load() {
        return new ConfigLoader(work, home, env).load(ConfigLoader.Overrides.NONE);
    }

    void workFile(String yaml) throws IOException {
        Files.writeString(work.resolve("runbook.yaml"), yaml);
    }

    void userFile(String yaml) throws IOException {
        Files.createDirectories(home.resolve(".config/runbook"));
        Files.writeString(home.resolve(".config/runbook/config.yaml"), yaml);
    }

    /** The lines a user sees on stderr, as the CLI prints them. */
    List<String> errors(Runnable r) {
        try {
            r.run();
        } catch (InvalidInputException e) {
            return e.diagnostics().stream().map(Diagnostic::toString).toList();
        }
        throw new AssertionError("no error");
    }

    @Test
    void withoutAnyFileTheStoreIsTheFile() {
        Config c = load();

        assertThat(c.file()).isNull();
        assertThat(c.audit().store()).isEqualTo(AuditConfig.Store.FILE);
        assertThat(c.audit().schema()).isEqualTo("runbook");
        assertThat(c.audit().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void readsEverySettingOfTheAuditSection() throws IOException {
        workFile("""
                audit:
                  store: postgres
                  url: jdbc:postgresql://db.example:5432/ops
                  user: runbook
                  password: env:RB_DB_PASSWORD
                  schema: audit_trail
                  connect_timeout: 10s
                """);
        env.put("RB_DB_PASSWORD", "s3cret");

        AuditConfig a = load().audit();

        assertThat(a.store()).isEqualTo(AuditConfig.Store.POSTGRES);
        assertThat(a.url()).isEqualTo("jdbc:postgresql://db.example:5432/ops");
        assertThat(a.user()).isEqualTo("runbook");
        assertThat(a.password().resolve(env)).isEqualTo("s3cret");
        assertThat(a.schema()).isEqualTo("audit_trail");
        assertThat(a.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theWorkingDirectoryFileWinsWholeOverTheUserFile() throws IOException {
        workFile("audit: {url: 'jdbc:postgresql://team/ops'}\n");
        userFile("audit: {url: 'jdbc:postgresql://mine/ops', user: me, password: 'env:MINE'}\n");

        Config c = load();

        assertThat(c.file()).isEqualTo(work.resolve("runbook.yaml"));
        assertThat(c.audit().url()).isEqualTo("jdbc:postgresql://team/ops");
        assertThat(c.audit().user()).as("not merged from the user's file").isNull();
        assertThat(c.audit().password()).isNull();
    }

    @Test
    void theUserFileAppliesWhenTheWorkingDirectoryHasNone() throws IOException {
        userFile("audit: {store: postgres, url: 'jdbc:postgresql://mine/ops'}\n");

        Config c = load();

        assertThat(c.file()).isEqualTo(home.resolve(".config/runbook/config.yaml"));
        assertThat(c.audit().postgres()).isTrue();
    }

    @Test
    void xdgConfigHomeMovesTheUserFile() throws IOException {
        Path xdg = Files.createDirectories(home.resolve("xdg/runbook"));
        Files.writeString(xdg.resolve("config.yaml"), "audit: {url: 'jdbc:postgresql://xdg/ops'}\n");
        env.put("XDG_CONFIG_HOME", home.resolve("xdg").toString());

        assertThat(load().audit().url()).isEqualTo("jdbc:postgresql://xdg/ops");
    }

    @Test
    void runbookConfigNamesTheFileAndAMissingOneIsAnError() throws IOException {
        Path other = Files.writeString(work.resolve("ops.yaml"), "audit: {url: 'jdbc:postgresql://other/ops'}\n");
        workFile("audit: {store: file}\n");
        env.put("RUNBOOK_CONFIG", other.toString());

        assertThat(load().audit().url()).isEqualTo("jdbc:postgresql://other/ops");

        env.put("RUNBOOK_CONFIG", "nope.yaml");
        assertThat(errors(this::load)).containsExactly("runbook: error: RUNBOOK_CONFIG=nope.yaml: no such file");
    }

    @Test
    void environmentVariablesOverrideTheFileAndFlagsOverrideThem() throws IOException {
        workFile("audit: {store: file, url: 'jdbc:postgresql://file/ops', user: fromfile}\n");
        env.put("RUNBOOK_AUDIT_STORE", "postgres");
        env.put("RUNBOOK_AUDIT_URL", "jdbc:postgresql://env/ops");
        env.put("RUNBOOK_AUDIT_USER", "fromenv");
        env.put("RUNBOOK_AUDIT_PASSWORD", "pw-from-env");

        AuditConfig fromEnv = load().audit();
        AuditConfig fromFlags = new ConfigLoader(work, home, env)
                .load(new ConfigLoader.Overrides("file", "jdbc:postgresql://flag/ops", "fromflag")).audit();

        assertThat(fromEnv.store()).isEqualTo(AuditConfig.Store.POSTGRES);
        assertThat(fromEnv.url()).isEqualTo("jdbc:postgresql://env/ops");
        assertThat(fromEnv.user()).isEqualTo("fromenv");
        assertThat(fromEnv.password().resolve(Map.of())).isEqualTo("pw-from-env");
        assertThat(fromFlags.store()).isEqualTo(AuditConfig.Store.FILE);
        assertThat(fromFlags.url()).isEqualTo("jdbc:postgresql://flag/ops");
        assertThat(fromFlags.user()).isEqualTo("fromflag");
    }

    @Test
    void aUrlWithoutAStoreMeansPostgres() throws IOException {
        workFile("audit:\n  url: jdbc:postgresql://db/ops\n");

        assertThat(load().audit().store()).isEqualTo(AuditConfig.Store.POSTGRES);
    }

    @Test
    void unknownKeysAreErrorsWithDidYouMean() throws IOException {
        workFile("""
                audit:
                  stroe: postgres
                  url: jdbc:postgresql://db/ops
                  pasword: env:X
                audti: {}
                """);

        assertThat(errors(this::load)).containsExactly(
                "runbook.yaml:2:3: error: unknown key 'stroe' in 'audit' (did you mean 'store'?)",
                "runbook.yaml:4:3: error: unknown key 'pasword' in 'audit' (did you mean 'password'?)",
                "runbook.yaml:5:1: error: unknown key 'audti' in the configuration (did you mean 'audit'?)");
    }

    @Test
    void everyBadValueIsReportedAtItsLineAndColumn() throws IOException {
        workFile("""
                audit:
                  store: postgress
                  url: postgres://db/ops
                  password: hunter2
                  schema: Audit-Trail
                  connect_timeout: 0s
                """);

        List<String> errors = errors(this::load);

        assertThat(errors).containsExactly(
                "runbook.yaml:2:10: error: audit.store: unknown store 'postgress' (the stores are file and postgres) (did you mean 'postgres'?)",
                "runbook.yaml:3:8: error: audit.url must be a PostgreSQL JDBC URL such as jdbc:postgresql://HOST:5432/DATABASE, not 'postgres://db/ops'",
                "runbook.yaml:4:13: error: audit.password must be env:VARIABLE or file:/path, not the password itself"
                        + " (a password written here is read by everyone who can read this file)",
                "runbook.yaml:5:11: error: audit.schema must be a lower-case SQL name (letters, digits, _), not 'Audit-Trail'",
                "runbook.yaml:6:3: error: audit.connect_timeout must be between 1s and 10m");
        assertThat(String.join("\n", errors)).as("a literal password is never repeated").doesNotContain("hunter2");
    }

    @Test
    void aPasswordInTheUrlIsRefusedWithoutRepeatingIt() throws IOException {
        workFile("audit: {url: 'jdbc:postgresql://db/ops?user=x&password=hunter2'}\n");

        List<String> errors = errors(this::load);

        assertThat(errors).containsExactly("runbook.yaml:1:14: error: audit.url must not carry the password:"
                + " give audit.password as env:VARIABLE or file:/path");
    }

    @Test
    void postgresWithoutAUrlIsAnErrorAtTheStore() throws IOException {
        workFile("audit:\n  store: postgres\n");

        assertThat(errors(this::load)).containsExactly("runbook.yaml:2:10: error: audit.store is postgres but no audit.url"
                + " is given (in the configuration file, RUNBOOK_AUDIT_URL or --audit-url)");
    }

    @Test
    void badEnvironmentVariablesAreNamedInTheError() {
        env.put("RUNBOOK_AUDIT_STORE", "pg");
        env.put("RUNBOOK_AUDIT_URL", "mysql://x");

        assertThat(errors(this::load)).containsExactly(
                "runbook: error: RUNBOOK_AUDIT_STORE=pg: unknown store 'pg' (the stores are file and postgres)",
                "runbook: error: RUNBOOK_AUDIT_URL must be a PostgreSQL JDBC URL such as jdbc:postgresql://HOST:5432/DATABASE, not 'mysql://x'");
    }

    @Test
    void aRunbookSavedAsTheConfigurationFileIsToldApart() throws IOException {
        workFile("name: deploy\nsteps:\n  - run: make deploy\n");

        assertThat(errors(this::load)).containsExactly("runbook.yaml:2:1: error: this file has 'steps' like a runbook,"
                + " but runbook.yaml in the working directory is runbook's configuration file (move the runbook to runbooks/NAME.yaml)");
    }

    @Test
    void theConfigurationFileIsRecognisedSoItIsNeverLoadedAsARunbook() {
        assertThat(ConfigLoader.isConfigFile(work, work.resolve("runbook.yaml"))).isTrue();
        assertThat(ConfigLoader.isConfigFile(work, work.resolve("sub/../runbook.yaml"))).isTrue();
        assertThat(ConfigLoader.isConfigFile(work, work.resolve("runbooks/runbook.yaml"))).isFalse();
    }

    @Test
    void syntaxErrorsAndWrongTypesAreDiagnostics() throws IOException {
        workFile("audit:\n  store: [file\n");
        assertThat(errors(this::load)).singleElement().asString().startsWith("runbook.yaml:").contains("YAML syntax");

        workFile("audit: postgres\n");
        assertThat(errors(this::load)).containsExactly("runbook.yaml:1:8: error: 'audit' must be a mapping, not the string 'postgres'");

        workFile("- audit\n");
        assertThat(errors(this::load)).containsExactly("runbook.yaml:1:1: error: the configuration must be a mapping, not a list");
    }

    @Test
    void anEmptyOrCommentedOutFileMeansDefaults() throws IOException {
        workFile("# audit:\n#   store: postgres\n");

        Config c = load();

        assertThat(c.file()).isEqualTo(work.resolve("runbook.yaml"));
        assertThat(c.audit().store()).isEqualTo(AuditConfig.Store.FILE);
    }

    @Test
    void theDaemonSectionIsKeptForTheSchedulerWithItsPositions() throws IOException {
        workFile("audit: {store: file}\ndaemon:\n  node: a\n");

        ConfigSection daemon = load().daemon();

        assertThat(daemon).isNotNull();
        assertThat(daemon.reader(new java.util.ArrayList<>()).pos(daemon.node()).toString()).isEqualTo("runbook.yaml:3:3");
    }

    @Test
    void passwordsComeFromFilesWithTheTrailingNewlineDropped() throws IOException {
        Files.writeString(home.resolve("pw"), "from-file\n");
        workFile("audit: {url: 'jdbc:postgresql://db/ops', password: 'file:~/pw'}\n");

        AuditConfig a = load().audit();

        assertThat(a.password().resolve(env)).isEqualTo("from-file");
        assertThat(a.password()).hasToString("file:" + home.resolve("pw"));
    }

    @Test
    void aMissingPasswordSourceIsAnErrorAtTheKeyNamingOnlyTheSource() throws IOException {
        workFile("audit:\n  url: jdbc:postgresql://db/ops\n  password: env:NOT_SET_ANYWHERE\n");

        AuditConfig a = load().audit();

        assertThatThrownBy(() -> a.password().resolve(env)).isInstanceOf(InvalidInputException.class)
                .hasMessage("runbook.yaml:3:13: error: audit.password (env:NOT_SET_ANYWHERE): environment variable NOT_SET_ANYWHERE is not set");
    }

    @Test
    void describingTheSettingsNeverShowsThePassword() throws IOException {
        workFile("audit: {url: 'jdbc:postgresql://db/ops', user: ops, password: 'env:PW'}\n");
        env.put("PW", "hunter2");
        env.put("RUNBOOK_AUDIT_PASSWORD", "hunter3");

        AuditConfig a = load().audit();

        assertThat(a.describe()).isEqualTo("postgres jdbc:postgresql://db/ops as ops, schema runbook, password from RUNBOOK_AUDIT_PASSWORD");
        assertThat(a.toString()).doesNotContain("hunter");
    }
}
