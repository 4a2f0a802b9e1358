package dev.runbook.cli;

import picocli.CommandLine.Option;

/** Options every command takes. */
public final class CommonOptions {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--verbose", description = "Log what the tool does (debug level).")
    boolean verbose;

    @Option(names = "--debug", description = "Show stack traces for internal errors.")
    boolean debug;

    @Option(names = "--no-color", description = "No colours, even on a terminal (also: NO_COLOR=1).")
    boolean noColor;
}
