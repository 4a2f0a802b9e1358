package dev.runbook.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Options every command and command group takes (besides -h, which {@link CliSpec#command} gives each). */
public final class CommonOptions {
    boolean verbose;
    boolean debug;
    boolean noColor;

    CliSpec addTo(CliSpec cli) {
        return cli.flag("--verbose").describe(VERBOSE).to(v -> verbose = v)
                .flag("--debug").describe(DEBUG).to(v -> debug = v)
                .flag("--no-color").describe(NO_COLOR).to(v -> noColor = v);
    }

    /**
     * For a command group: the flags are taken before the subcommand too ({@code runbook audit --no-color verify}),
     * and handed on to the subcommand, which is the one that acts on them. The group's help lists them, as what a
     * group takes should be found in its help.
     */
    static CliSpec addToGroup(CliSpec group) {
        CommandSpec spec = group.commandSpec();
        return group.flag("--verbose").describe(VERBOSE).to(v -> handOn(spec, "--verbose", v))
                .flag("--debug").describe(DEBUG).to(v -> handOn(spec, "--debug", v))
                .flag("--no-color").describe(NO_COLOR).to(v -> handOn(spec, "--no-color", v));
    }

    private static void handOn(CommandSpec group, String flag, boolean given) {
        if (!given) {
            return;
        }
        for (CommandLine sub : group.subcommands().values()) {
            OptionSpec option = sub.getCommandSpec().findOption(flag);
            if (option != null) {
                option.setValue(true);
            }
        }
    }

    private static final String VERBOSE = "Log what the tool does (debug level).";
    private static final String DEBUG = "Show stack traces for internal errors.";
    private static final String NO_COLOR = "No colours, even on a terminal (also: NO_COLOR=1).";
}
