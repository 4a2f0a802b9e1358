package dev.runbook.engine;

import dev.runbook.model.Target;
import java.util.List;

/** Selects hosts by an inventory pattern. */
public interface Hosts {
    /**
     * @throws dev.runbook.model.InvalidInputException when the pattern is malformed or matches no host
     */
    List<Target> select(String pattern);

    /** Only {@code localhost}: what a machine without an inventory has. */
    Hosts LOCAL_ONLY = pattern -> {
        if (pattern == null || pattern.equals("localhost") || pattern.equals("all") || pattern.equals("127.0.0.1")) {
            return List.of(Target.LOCALHOST);
        }
        throw dev.runbook.model.InvalidInputException.usage("pattern '" + pattern
                + "' matches no host: there is no inventory (give -i FILE, set RUNBOOK_INVENTORY or create inventory/hosts.yaml)");
    };
}
