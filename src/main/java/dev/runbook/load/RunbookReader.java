package dev.runbook.load;

import dev.runbook.model.FanOut;
import dev.runbook.model.Param;
import dev.runbook.model.Runbook;
import dev.runbook.model.SecretRef;
import dev.runbook.model.Step;
import dev.runbook.model.Text;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads the top level of a runbook file; {@link StepReader} does the steps. */
final class RunbookReader {
    static final Set<String> KEYS = Set.of("name", "description", "params", "targets", "vars", "secrets",
            "steps", "finally", "deadline", "max_parallel", "batch", "max_failures", "strategy", "schedule");

    private final YamlReader y;
    private final StepReader steps;

    RunbookReader(YamlReader y, CallResolver calls) {
        this.y = y;
        this.steps = new StepReader(y, calls);
    }

    /**
     * @param foundByFileName whether a lookup by the file's name finds this file (it is on the search
     *                        path): a {@code name:} that differs is then a name nobody can run it by
     */
    Runbook read(Node root, Path path, String sha256, boolean foundByFileName) {
        Mapping m = y.mapping(root, "a runbook", KEYS, AnsibleHabits.TOP);
        if (m == null) {
            return null;
        }
        String fileName = fileName(path);
        String name = m.has("name") ? m.string("name") : fileName;
        if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            y.error(m.keyPos("name"), "runbook name '" + name + "' may hold letters, digits, '.', '-' and '_' only");
        } else if (name != null && foundByFileName && !name.equals(fileName)) {
            y.warning(m.keyPos("name"), "name '" + name + "' differs from the file name; run it as '" + fileName
                    + "' (runbooks are looked up by file name)");
        }
        Map<String, Param> params = m.has("params") ? paramsOf(m) : Map.of();
        Map<String, Object> vars = new LinkedHashMap<>();
        Mapping vm = m.mapping("vars", null);
        if (vm != null) {
            for (String k : vm.keys()) {
                vars.put(k, y.value(vm.get(k)));
            }
        }
        Map<String, SecretRef> secrets = m.has("secrets") ? secrets(m.mapping("secrets", null)) : Map.of();
        List<Step> main = List.of();
        if (m.require("steps")) {
            main = steps.steps(m.get("steps"), "'steps'");
            if (main.isEmpty() && y.sequence(m.get("steps"), "'steps'") != null && !y.diagnostics().stream().anyMatch(d -> d.isError())) {
                y.warning(m.keyPos("steps"), "the runbook has no steps");
            }
        }
        List<Step> fin = m.has("finally") ? steps.steps(m.get("finally"), "'finally'") : List.of();
        FanOut fanOut = FanOutReader.read(y, m);
        Text targets = m.text("targets");
        java.time.Duration deadline = m.duration("deadline");
        if (deadline != null && deadline.isZero()) {
            // as a step's timeout: a zero limit would stop the run before its first step
            y.error(m.keyPos("deadline"), "'deadline' must be longer than 0s");
        }
        return new Runbook(name == null ? fileName : name, m.string("description"), path, sha256, params,
                targets, vars, secrets, main, fin, deadline,
                fanOut == null ? FanOut.DEFAULT : fanOut, m.has("schedule"), m.pos());
    }

    /** What a runbook file is run by: its name without {@code .yaml}. */
    static String fileName(Path path) {
        return path.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    }

    private Map<String, Param> paramsOf(Mapping m) {
        Mapping pm = m.mapping("params", null);
        return pm == null ? Map.of() : new ParamReader(y).params(pm);
    }

    private Map<String, SecretRef> secrets(Mapping m) {
        Map<String, SecretRef> out = new LinkedHashMap<>();
        if (m == null) {
            return out;
        }
        for (String name : m.keys()) {
            Text ref = m.text(name);
            if (ref == null) {
                continue;
            }
            String v = ref.value();
            int colon = v.indexOf(':');
            String scheme = colon < 0 ? "" : v.substring(0, colon);
            String where = colon < 0 ? "" : v.substring(colon + 1);
            SecretRef.Source source = switch (scheme) {
                case "env" -> SecretRef.Source.ENV;
                case "file" -> SecretRef.Source.FILE;
                default -> null;
            };
            if (source == null) {
                String hint = DidYouMean.suggest(scheme, List.of("env", "file"));
                y.error(ref.pos(), "unknown secret source '" + (colon < 0 ? v : scheme + ":")
                        + "' for secret '" + name + "'; write env:VARIABLE or file:/path",
                        hint == null ? null : "did you mean '" + hint + ":'?");
                continue;
            }
            if (where.isBlank() || (source == SecretRef.Source.ENV && !where.matches("[A-Za-z_][A-Za-z0-9_]*"))) {
                y.error(ref.pos(), "secret '" + name + "' names no valid " + (source == SecretRef.Source.ENV ? "variable" : "file"));
                continue;
            }
            out.put(name, new SecretRef(name, source, where, ref.pos()));
        }
        return out;
    }
}
