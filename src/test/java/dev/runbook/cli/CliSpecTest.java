package dev.runbook.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/** The commands' options, declared through {@link CliSpec}: each reaches its command, typed, with its default. */
class CliSpecTest {

    private static <T extends CliSpec.Command> T parse(T command, String... args) {
        new CommandLine(command.spec().commandSpec()).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return command;
    }

    @Test
    void everyValueOfRunReachesTheCommand() {
        RunCommand run = parse(new RunCommand(), "-y", "--approve", "restart", "--approve", "drain", "-p", "service=web", "--param", "n=2",
                "--format", "MARKDOWN", "--output", "json", "--deadline", "5m", "-t", "web", "--limit", "web1", "-i", "inv.yaml",
                "--audit-store", "postgres", "--audit-url", "jdbc:postgresql://db/audit", "--audit-user", "rb",
                "--verbose", "--debug", "--no-color", "--dry-run", "--probe", "recovery.yaml");
        assertThat(run.runbook).isEqualTo("recovery.yaml");
        assertThat(run.yes).isTrue();
        assertThat(run.approve).containsExactly("restart", "drain");
        assertThat(run.selectors.params()).isEqualTo(Map.of("service", "web", "n", "2"));
        assertThat(run.format).isEqualTo(PlanCommand.Format.markdown);
        assertThat(run.output).isEqualTo(RunCommand.Output.json);
        assertThat(run.deadline).isEqualTo("5m");
        assertThat(run.selectors.targets).isEqualTo("web");
        assertThat(run.selectors.limit).isEqualTo("web1");
        assertThat(run.selectors.inventory).isEqualTo(Path.of("inv.yaml"));
        assertThat(run.auditOptions.overrides()).isEqualTo(new dev.runbook.config.ConfigLoader.Overrides("postgres", "jdbc:postgresql://db/audit", "rb"));
        assertThat(run.common.verbose).isTrue();
        assertThat(run.common.debug).isTrue();
        assertThat(run.common.noColor).isTrue();
        assertThat(run.dryRun).isTrue();
        assertThat(run.probe).isTrue();
    }

    @Test
    void optionsLeftOutKeepTheirDefaults() {
        RunCommand run = parse(new RunCommand(), "recovery");
        assertThat(run.format).isEqualTo(PlanCommand.Format.text);
        assertThat(run.output).isEqualTo(RunCommand.Output.text);
        assertThat(run.approve).isEmpty();
        assertThat(run.selectors.params()).isEmpty();
        assertThat(run.yes).isFalse();
        assertThat(run.deadline).isNull();
        assertThat(run.selectors.inventory).isNull();

        HistoryCommand history = parse(new HistoryCommand());
        assertThat(history.limit).isEqualTo(20);
        assertThat(parse(new HistoryCommand(), "--limit", "3").limit).isEqualTo(3);

        DaemonCommand daemon = parse(new DaemonCommand());
        assertThat(daemon.dir).isEqualTo(Path.of("schedules"));
        assertThat(daemon.listen).isEqualTo("127.0.0.1:9464");
        assertThat(daemon.threads).isEqualTo(4);
        assertThat(List.of(daemon.grace, daemon.misfireAfter, daemon.checkin)).containsExactly("30s", "10s", "2s");
        assertThat(daemon.jdbcUrl).isNull();
    }

    @Test
    void positionalsAndNegatableFlags() {
        assertThat(parse(new ValidateCommand()).paths).isEmpty();
        assertThat(parse(new ValidateCommand(), "a.yaml", "runbooks").paths).containsExactly(Path.of("a.yaml"), Path.of("runbooks"));
        assertThat(parse(new AuditCommand.Verify()).file).isNull();
        assertThat(parse(new AuditCommand.Verify(), "trail.jsonl").file).isEqualTo(Path.of("trail.jsonl"));

        assertThat(parse(new InventoryCommand.ListHosts()).vars).isTrue();
        assertThat(parse(new InventoryCommand.ListHosts(), "--no-vars", "web").vars).isFalse();
        assertThat(parse(new InventoryCommand.ListHosts(), "web").pattern).isEqualTo("web");
    }

    @Test
    void missingAndWrongValuesAreRefusedByName() {
        assertThatThrownBy(() -> parse(new RunCommand()))
                .isInstanceOf(CommandLine.MissingParameterException.class).hasMessageContaining("NAME|FILE");
        assertThatThrownBy(() -> parse(new AuditRetentionCommand()))
                .isInstanceOf(CommandLine.MissingParameterException.class).hasMessageContaining("--keep-months=N");
        assertThatThrownBy(() -> parse(new RunCommand(), "--format", "yaml", "x"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("text, markdown, json");
        assertThatThrownBy(() -> parse(new ShowCommand(), "a", "b"))
                .isInstanceOf(CommandLine.UnmatchedArgumentException.class);
        assertThat(parse(new AuditRetentionCommand(), "--keep-months", "6", "--dry-run").keepMonths).isEqualTo(6);
    }

    @Test
    void everyCommandOptionAndParameterIsDescribed() {
        List<String> undescribed = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        walk(Main.tree().commandSpec(), undescribed, commands);
        assertThat(commands).contains("runbook run", "runbook audit verify", "runbook audit retention", "runbook inventory list",
                "runbook schedule validate", "runbook daemon", "runbook schema");
        assertThat(undescribed).isEmpty();
    }

    private static void walk(CommandSpec spec, List<String> undescribed, List<String> commands) {
        if (spec.name().equals("help")) {
            return;
        }
        commands.add(spec.qualifiedName());
        if (spec.usageMessage().description().length == 0) {
            undescribed.add(spec.qualifiedName());
        }
        List<ArgSpec> args = new ArrayList<>(spec.options());
        args.addAll(spec.positionalParameters());
        for (ArgSpec arg : args) {
            if (arg.description().length == 0) {
                undescribed.add(spec.qualifiedName() + " " + arg.paramLabel());
            }
        }
        for (CommandLine sub : spec.subcommands().values()) {
            walk(sub.getCommandSpec(), undescribed, commands);
        }
    }

    @Test
    void commandGroupsHaveHelpAndTheVersionIsPrinted() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run("audit", "--help")).isZero();
            assertThat(Main.run("--version")).isZero();
        } finally {
            System.setOut(saved);
        }
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("Usage: runbook audit [-h] [--debug] [--no-color] [--verbose] [COMMAND]", "verify", "retention")
                .contains("runbook 0.1.0");
    }

    @Test
    void everyCommandAndCommandGroupTakesTheCommonOptions() {
        List<String> without = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        walkCommands(Main.tree().commandSpec(), commands);
        for (String command : commands) {
            CommandSpec spec = find(Main.tree().commandSpec(), command);
            for (String option : List.of("--verbose", "--debug", "--no-color")) {
                if (spec.findOption(option) == null) {
                    without.add(command + " " + option);
                }
            }
        }
        assertThat(commands).contains("runbook schema", "runbook audit", "runbook audit verify", "runbook schedule list");
        assertThat(without).isEmpty();
    }

    @Test
    void commonOptionsGivenBeforeASubcommandReachIt() {
        CommandLine group = new CommandLine(new ScheduleCommand().spec().commandSpec());
        group.parseArgs("--no-color", "--verbose", "list");
        ScheduleCommand.ListSchedules list = (ScheduleCommand.ListSchedules) group.getSubcommands().get("list").getCommandSpec().userObject();
        assertThat(list.common.noColor).isTrue();
        assertThat(list.common.verbose).isTrue();
        assertThat(list.common.debug).isFalse();
        assertThat(parse(new SchemaCommand(), "--verbose", "--debug", "--no-color").common.noColor).isTrue();
    }

    private static void walkCommands(CommandSpec spec, List<String> commands) {
        if (spec.name().equals("help")) {
            return;
        }
        if (spec.parent() != null) {
            commands.add(spec.qualifiedName());
        }
        for (CommandLine sub : spec.subcommands().values()) {
            walkCommands(sub.getCommandSpec(), commands);
        }
    }

    private static CommandSpec find(CommandSpec root, String qualifiedName) {
        if (root.qualifiedName().equals(qualifiedName)) {
            return root;
        }
        for (CommandLine sub : root.subcommands().values()) {
            CommandSpec found = find(sub.getCommandSpec(), qualifiedName);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String help(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run(args)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyCommandGroupsHelpListsTheCommonOptionsItTakesBeforeItsSubcommand() {
        List<String> groups = Main.tree().commandSpec().subcommands().values().stream().map(CommandLine::getCommandSpec)
                .filter(spec -> !spec.subcommands().isEmpty()).map(CommandSpec::name).toList();
        assertThat(groups).contains("audit", "schedule", "inventory");
        for (String group : groups) {
            String help = help(group, "--help");

            assertThat(help).as(help).contains("Usage: runbook " + group + " [-h] [--debug] [--no-color] [--verbose] [COMMAND]")
                    .containsPattern("\\n\\s+--verbose\\s+Log what the tool does \\(debug level\\)\\.\\n")
                    .containsPattern("\\n\\s+--debug\\s+Show stack traces for internal errors\\.\\n")
                    .containsPattern("\\n\\s+--no-color\\s+No colours, even on a terminal \\(also: NO_COLOR=1\\)\\.\\n");
        }
    }

    @Test
    void theTopLevelHelpKeepsEachExitCodeOnOneLine() {
        String help = help("--help");

        assertThat(help.lines()).contains("Exit codes: 0 success, 1 a step failed, 2 invalid input or usage,",
                "3 a gate was not approved, 4 another run holds the lock, 130 interrupted.");
    }

    @Test
    void theDaemonsHelpGivesItsDefaults() {
        String help = help("daemon", "--help").replaceAll("\\s+", " ");

        assertThat(help).contains("interrupted (default 30s)").contains("Runs at once on this node (default 4)")
                .contains("counts as missed (default 10s)").contains("(default 2s)").contains("(default: schedules)");
    }
}
