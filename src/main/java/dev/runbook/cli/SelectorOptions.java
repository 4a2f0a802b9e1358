package dev.runbook.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Which hosts and params: shared by run and plan. */
public final class SelectorOptions {
    @Option(names = {"-t", "--targets"}, paramLabel = "PATTERN", description = "Hosts to run on (an inventory pattern), instead of the runbook's targets.")
    String targets;

    @Option(names = "--limit", paramLabel = "PATTERN", description = "Further limit the hosts to those matching PATTERN.")
    String limit;

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "A param value; repeat for several.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = {"-i", "--inventory"}, paramLabel = "FILE", description = "Inventory file (default: RUNBOOK_INVENTORY, then inventory/hosts.yaml).")
    Path inventory;
}
