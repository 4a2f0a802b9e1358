package dev.runbook.inventory;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Recognises an inventory in Ansible's INI form, which runbook does not read: its YAML errors
 * ("expected '&lt;document start&gt;'") would not tell the user what is wrong, and Ansible itself
 * converts it in one command.
 */
final class IniInventory {
    /** {@code [web]}, {@code [web:children]}, {@code [web:vars]}, a comment after it allowed. */
    private static final Pattern SECTION = Pattern.compile("\\[[^\\]\\s]+\\]\\s*(?:[#;].*)?");
    /** {@code web1 ansible_host=1.2.3.4 ansible_port=2222}: a host with at least one key=value. */
    private static final Pattern HOST_LINE = Pattern.compile("[^\\s:#;\\[\\]]+(?:\\s+[\\w.-]+=\\S*)+\\s*(?:[#;].*)?");

    private IniInventory() {}

    /**
     * The error for {@code file} when its first line with content (comments, {@code #} or {@code ;},
     * skipped) is an INI section header or host line; empty when it is not, or cannot be read.
     */
    static Optional<Diagnostic> detect(Path file, String label) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (!SECTION.matcher(line).matches() && !HOST_LINE.matcher(line).matches()) {
                return Optional.empty();
            }
            int col = lines.get(i).indexOf(line.charAt(0)) + 1;
            return Optional.of(Diagnostic.error(new SourcePos(label, i + 1, col),
                    "INI inventories are not supported; convert it to YAML with: ansible-inventory -i " + label
                            + " --list -y --output " + yamlName(label)));
        }
        return Optional.empty();
    }

    private static String yamlName(String label) {
        int slash = label.lastIndexOf('/');
        int dot = label.lastIndexOf('.');
        String base = dot > slash + 1 ? label.substring(0, dot) : label;
        // a file already named .yaml is not written over by its own conversion
        return (base + ".yaml").equals(label) ? base + "-converted.yaml" : base + ".yaml";
    }
}
