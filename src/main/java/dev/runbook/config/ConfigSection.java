package dev.runbook.config;

import dev.runbook.load.YamlFile;
import dev.runbook.model.Diagnostic;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * A section of the configuration file that another part of the tool reads itself (the
 * {@code daemon:} section, read by the scheduler), kept as YAML nodes so that its diagnostics
 * still name the file, line and column.
 */
public record ConfigSection(YamlFile file, Node node) {

    /** A reader whose diagnostics go to {@code out}. */
    public dev.runbook.load.YamlReader reader(List<Diagnostic> out) {
        return new dev.runbook.load.YamlReader(file, out);
    }
}
