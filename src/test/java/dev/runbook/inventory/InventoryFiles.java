package dev.runbook.inventory;

import dev.runbook.model.Target;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes an inventory into a test's directory and loads it. */
final class InventoryFiles {
    private InventoryFiles() {}

    static Inventory load(Path dir, String yaml) {
        try {
            return Inventory.load(Files.writeString(dir.resolve("hosts.yaml"), yaml));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Target host(Inventory inventory, String name) {
        List<Target> found = inventory.select(name);
        if (found.size() != 1 || !found.get(0).name().equals(name)) {
            throw new AssertionError("'" + name + "' selects " + found);
        }
        return found.get(0);
    }
}
