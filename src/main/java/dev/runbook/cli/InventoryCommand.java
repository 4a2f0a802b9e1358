package dev.runbook.cli;

import dev.runbook.engine.Hosts;
import dev.runbook.expr.Functions;
import dev.runbook.inventory.SecretVars;
import dev.runbook.model.Target;
import dev.runbook.model.Visible;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

final class InventoryCommand implements CliSpec.Command {

    @Override
    public CliSpec spec() {
        return CommonOptions.addToGroup(CliSpec.command("inventory", this, "Look at the inventory.").subcommand(new ListHosts()));
    }

    static final class ListHosts implements Callable<Integer>, CliSpec.Command {
        final CommonOptions common = new CommonOptions();
        String pattern;
        Path inventory;
        boolean vars;

        @Override
        public CliSpec spec() {
            CliSpec cli = CliSpec.command("list", this, "List the hosts a pattern matches, with their merged vars (secrets masked).");
            return common.addTo(cli)
                    .positional(0, String.class).optional().label("PATTERN").describe("A host pattern (default: all).").to(v -> pattern = v)
                    .option("-i", "--inventory").type(Path.class).label("FILE|DIR").describe(SelectorOptions.INVENTORY).to(v -> inventory = v)
                    .flag("--vars").negatable(true)
                    .describe("Show each host's merged vars (default: on; --no-vars for names only).").to(v -> vars = v);
        }

        @Override
        public Integer call() {
            Wiring wiring = Wiring.fromSystem();
            Terminal term = Terminal.system(common.noColor);
            Hosts hosts = wiring.hosts(inventory);
            List<Target> selected = hosts.select(pattern == null ? "all" : pattern);
            for (Target t : selected) {
                String where = t.local() ? "local" : (t.user() == null ? "" : t.user() + "@") + t.address() + (t.port() > 0 ? ":" + t.port() : "");
                term.out.println(term.bold(Visible.line(t.name())) + "  " + term.dim(Visible.line(where)));
                if (vars) {
                    for (Map.Entry<String, Object> e : SecretVars.masked(t.vars()).entrySet()) {
                        term.out.println(Visible.line("    " + e.getKey() + ": " + Functions.str(e.getValue())));
                    }
                }
            }
            term.out.println(term.dim(selected.size() + " host" + (selected.size() == 1 ? "" : "s")));
            return ExitCodes.OK;
        }
    }
}
