package dev.runbook.cli;

import dev.runbook.model.InvalidInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/** Which hosts and params: shared by run and plan. */
public final class SelectorOptions {
    String targets;
    String limit;
    List<String> rawParams = new ArrayList<>();
    Path inventory;

    CliSpec addTo(CliSpec cli) {
        return cli.option("-t", "--targets").label("PATTERN")
                .describe("Hosts to run on (an inventory pattern), instead of the runbook's targets.").to(v -> targets = v)
                .option("--limit").label("PATTERN").describe("Further limit the hosts to those matching PATTERN.").to(v -> limit = v)
                .repeatable(String.class, "-p", "--param").label("KEY=VALUE").describe("A param value; repeat for several.").to(v -> rawParams = v)
                .option("-i", "--inventory").type(Path.class).label("FILE|DIR").describe(INVENTORY).to(v -> inventory = v);
    }

    static final String INVENTORY = "Inventory file or directory (default: RUNBOOK_INVENTORY, then inventory/hosts.yaml).";

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
