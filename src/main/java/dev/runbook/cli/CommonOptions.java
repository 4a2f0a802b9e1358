package dev.runbook.cli;

/** Options every command takes (besides -h, which {@link CliSpec#command} gives each). */
public final class CommonOptions {
    boolean verbose;
    boolean debug;
    boolean noColor;

    CliSpec addTo(CliSpec cli) {
        return cli.flag("--verbose").describe("Log what the tool does (debug level).").to(v -> verbose = v)
                .flag("--debug").describe("Show stack traces for internal errors.").to(v -> debug = v)
                .flag("--no-color").describe("No colours, even on a terminal (also: NO_COLOR=1).").to(v -> noColor = v);
    }
}
