package dev.runbook.cli;

import dev.runbook.model.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    List<String> rawParams = new ArrayList<>();

    @Option(names = {"-i", "--inventory"}, paramLabel = "FILE", description = "Inventory file (default: RUNBOOK_INVENTORY, then inventory/hosts.yaml).")
    Path inventory;

    /** The {@code -p} values by name; a value given twice or without '=' is a usage error. */
    Map<String, String> params() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : rawParams) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw InvalidInputException.usage("-p " + kv + ": write -p KEY=VALUE");
            }
            String key = kv.substring(0, eq);
            if (out.put(key, kv.substring(eq + 1)) != null) {
                throw InvalidInputException.usage("-p " + key + " is given twice; give each param once");
            }
        }
        return out;
    }
}
