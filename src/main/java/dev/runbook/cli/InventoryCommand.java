package dev.runbook.cli;

import dev.runbook.engine.Hosts;
import dev.runbook.expr.Functions;
import dev.runbook.inventory.SecretVars;
import dev.runbook.model.Target;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inventory", description = "Look at the inventory.", subcommands = InventoryCommand.ListHosts.class)
final class InventoryCommand {

    @Command(name = "list", description = "List the hosts a pattern matches, with their merged vars (secrets masked).")
    static final class ListHosts implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Parameters(arity = "0..1", paramLabel = "PATTERN", description = "A host pattern (default: all).")
        String pattern;

        @Option(names = {"-i", "--inventory"}, paramLabel = "FILE", description = "Inventory file (default: RUNBOOK_INVENTORY, then inventory/hosts.yaml).")
        Path inventory;

        @Option(names = "--vars", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Show each host's merged vars (default: on; --no-vars for names only).")
        boolean vars;

        @Override
        public Integer call() {
            Wiring wiring = Wiring.fromSystem();
            Terminal term = Terminal.system(common.noColor);
            Hosts hosts = wiring.hosts(inventory);
            List<Target> selected = hosts.select(pattern == null ? "all" : pattern);
            for (Target t : selected) {
                String where = t.local() ? "local" : (t.user() == null ? "" : t.user() + "@") + t.address() + (t.port() > 0 ? ":" + t.port() : "");
                term.out.println(term.bold(t.name()) + "  " + term.dim(where));
                if (vars) {
                    for (Map.Entry<String, Object> e : SecretVars.masked(t.vars()).entrySet()) {
                        term.out.println("    " + e.getKey() + ": " + Functions.str(e.getValue()));
                    }
                }
            }
            term.out.println(term.dim(selected.size() + " host" + (selected.size() == 1 ? "" : "s")));
            return ExitCodes.OK;
        }
    }
}
