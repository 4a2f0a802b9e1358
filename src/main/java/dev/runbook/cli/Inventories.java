package dev.runbook.cli;

import dev.runbook.engine.Hosts;
import dev.runbook.inventory.Inventory;
import java.nio.file.Path;
import java.util.Map;

/** Chooses the inventory: {@code -i FILE}, RUNBOOK_INVENTORY, inventory/hosts.yaml, else only localhost. */
final class Inventories {
    private Inventories() {}

    static Hosts resolve(Path explicit, Map<String, String> env) {
        return Inventory.resolve(explicit, env, Path.of("").toAbsolutePath());
    }
}
