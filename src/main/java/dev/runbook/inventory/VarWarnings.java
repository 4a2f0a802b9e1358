package dev.runbook.inventory;

import dev.runbook.model.Diagnostic;
import dev.runbook.model.SourcePos;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an inventory's vars load with but should not go unsaid, collected over all its files: a
 * misspelt connection var and ssh options runbook does not apply (at each place they are written), and a var holding a Jinja template, which
 * runbook takes as written where Ansible would render it (once per var name for the inventory, at
 * the first place it is written, however many hosts it reaches).
 */
final class VarWarnings {
    private final List<Diagnostic> misspelt = new ArrayList<>();
    private final Map<String, SourcePos> templates = new LinkedHashMap<>();
    private final Map<String, Integer> templateCount = new LinkedHashMap<>();

    /** Checks one var as written at {@code keyPos}; {@code value} is its plain value. */
    void check(String name, SourcePos keyPos, Object value) {
        String known = KnownVars.misspeltFor(name);
        if (known != null) {
            misspelt.add(new Diagnostic(Diagnostic.Severity.WARNING, keyPos,
                    "'" + name + "' is not a var runbook or Ansible reads, so it has no effect", "did you mean '" + known + "'?"));
        }
        if ((name.equals("ansible_ssh_common_args") || name.equals("ansible_ssh_extra_args")) && value instanceof String args) {
            List<String> unapplied = dev.runbook.exec.ssh.AnsibleSshArgs.unapplied(args);
            List<String> applied = dev.runbook.exec.ssh.AnsibleSshArgs.APPLIED_OPTIONS;
            if (!unapplied.isEmpty()) {
                misspelt.add(Diagnostic.warning(keyPos, "'" + name + "': " + String.join(", ", unapplied)
                        + (unapplied.size() == 1 ? " is" : " are") + " not applied: runbook's SSH client reads -J, -i, -p, -l and -o "
                        + String.join(", ", applied.subList(0, applied.size() - 1)) + " and " + applied.get(applied.size() - 1)
                        + " (yes or accept-new: host keys are always checked)"));
            }
        }
        if (holdsTemplate(value)) {
            templates.putIfAbsent(name, keyPos);
            templateCount.merge(name, 1, Integer::sum);
        }
    }

    /** Every warning, misspellings first, each list in the order met. */
    List<Diagnostic> diagnostics() {
        List<Diagnostic> out = new ArrayList<>(misspelt);
        templates.forEach((name, pos) -> {
            int more = templateCount.get(name) - 1;
            out.add(Diagnostic.warning(pos, "'" + name + "' holds a Jinja template ('{{ }}' or '{% %}'), which runbook does not"
                    + " render as Ansible would: inventory vars are taken as written"
                    + (more > 0 ? " (it holds one in " + more + " more place" + (more == 1 ? "" : "s") + " too)" : "")));
        });
        return out;
    }

    private static boolean holdsTemplate(Object value) {
        if (value instanceof String s) {
            return s.contains("{{") || s.contains("{%");
        }
        if (value instanceof Map<?, ?> m) {
            return m.values().stream().anyMatch(VarWarnings::holdsTemplate);
        }
        return value instanceof List<?> l && l.stream().anyMatch(VarWarnings::holdsTemplate);
    }
}
