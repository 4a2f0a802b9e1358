package dev.runbook.load;

import dev.runbook.model.Action;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Param;
import dev.runbook.model.Runbook;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Step;
import dev.runbook.model.Steps;
import dev.runbook.model.Text;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Loads runbook files: YAML to model, then validation of the whole file and of every runbook it
 * calls. Nothing is returned unless all of it is valid; the diagnostics say why.
 */
public final class RunbookLoader {
    private final RunbookPaths paths;
    private final Map<Path, Loaded> cache = new HashMap<>();

    /** A file's model (null when it could not be read) and every diagnostic found in it. */
    public record Loaded(Runbook runbook, List<Diagnostic> diagnostics) {
        public boolean ok() {
            return runbook != null && diagnostics.stream().noneMatch(Diagnostic::isError);
        }

        public List<Diagnostic> warnings() {
            return diagnostics.stream().filter(d -> !d.isError()).toList();
        }
    }

    public RunbookLoader(RunbookPaths paths) {
        this.paths = paths;
    }

    public RunbookPaths paths() {
        return paths;
    }

    /** Loads a runbook given by name or path; throws with every diagnostic when anything is wrong. */
    public Runbook require(String nameOrPath) {
        Path p = paths.find(nameOrPath).orElseThrow(() -> notFound(nameOrPath));
        return require(p);
    }

    private InvalidInputException notFound(String nameOrPath) {
        boolean isPath = RunbookPaths.isPath(nameOrPath);
        boolean isDirectory = paths.directory(nameOrPath) != null;
        if (isPath && isDirectory) {
            return InvalidInputException.usage("'" + nameOrPath + "' is a directory, not a runbook: give one of its files, "
                    + "or check them all with: runbook validate " + nameOrPath);
        }
        return InvalidInputException.usage("no runbook '" + nameOrPath
                + "' (looked for " + (isPath ? "that file" : nameOrPath + ".yaml in " + paths.describe()) + ")"
                + (isPath ? "" : declaring(nameOrPath))
                + (isDirectory ? "; '" + nameOrPath + "' here is a directory (to check the runbooks in it: runbook validate "
                        + nameOrPath + ")" : ""));
    }

    /** "; runbooks/bar.yaml is named 'foo': run it as 'bar'" when a runbook on the search path declares {@code name}; else empty. */
    private String declaring(String name) {
        for (Path f : paths.all()) {
            Loaded l = load(f);
            String runAs = RunbookReader.fileName(f);
            if (l.runbook() != null && l.runbook().name().equals(name) && !runAs.equals(name)) {
                return "; " + label(f) + " is named '" + name + "': run it as '" + runAs + "'";
            }
        }
        return "";
    }

    public Runbook require(Path path) {
        Loaded l = load(path);
        if (!l.ok()) {
            throw new InvalidInputException(l.diagnostics().stream().filter(Diagnostic::isError).toList());
        }
        return l.runbook();
    }

    /** Loads and validates a file and the runbooks it calls. Cached per file. */
    public Loaded load(Path path) {
        return load(path.toAbsolutePath().normalize(), new ArrayDeque<>());
    }

    private Loaded load(Path path, Deque<Path> stack) {
        Loaded cached = cache.get(path);
        if (cached != null) {
            return cached;
        }
        List<Diagnostic> out = new ArrayList<>();
        String label = label(path);
        if (paths.isConfigFile(path)) {
            out.add(Diagnostic.error(new SourcePos(label, 1, 1), RunbookPaths.CONFIG_FILE
                    + " in the working directory is runbook's configuration file, not a runbook"));
            Loaded refused = new Loaded(null, out);
            cache.put(path, refused);
            return refused;
        }
        Optional<YamlFile> file = YamlFile.read(path, label, out);
        Runbook rb = null;
        if (file.isPresent()) {
            Optional<Node> root = file.get().compose(out);
            if (root.isPresent()) {
                YamlReader reader = new YamlReader(file.get(), out);
                CallResolver resolver = (name, pos) -> resolveCall(name, pos, path, out);
                rb = new RunbookReader(reader, resolver).read(root.get(), path, file.get().sha256(), foundByFileName(path));
            }
        }
        if (rb != null) {
            new RunbookValidator(rb, out).validate();
            stack.push(path);
            checkCalls(rb, stack, out);
            stack.pop();
        }
        Loaded loaded = new Loaded(rb, dedupe(out));
        cache.put(path, loaded);
        return loaded;
    }

    private boolean foundByFileName(Path path) {
        String name = RunbookReader.fileName(path);
        return !RunbookPaths.isPath(name) && paths.find(name).map(p -> p.toAbsolutePath().normalize().equals(path)).orElse(false);
    }

    private Path resolveCall(String name, SourcePos pos, Path from, List<Diagnostic> out) {
        Optional<Path> p = paths.find(name, from.getParent());
        if (p.isEmpty()) {
            out.add(Diagnostic.error(pos, "no runbook '" + name + "' to call (looked beside this file and in "
                    + paths.describe() + ")"));
            return null;
        }
        return p.get().toAbsolutePath().normalize();
    }

    private void checkCalls(Runbook rb, Deque<Path> stack, List<Diagnostic> out) {
        List<Step> all = new ArrayList<>();
        Steps.walk(rb.steps(), all::add);
        Steps.walk(rb.finallySteps(), all::add);
        for (Step s : all) {
            if (!(s.action() instanceof Action.Call call) || call.resolved() == null) {
                continue;
            }
            if (stack.contains(call.resolved())) {
                List<String> cycle = new ArrayList<>();
                stack.descendingIterator().forEachRemaining(p -> cycle.add(label(p)));
                cycle.add(label(call.resolved()));
                out.add(Diagnostic.error(call.target().pos(), "call cycle: " + String.join(" -> ", cycle)));
                continue;
            }
            Loaded callee = load(call.resolved(), stack);
            if (callee.runbook() == null || !callee.ok()) {
                out.add(Diagnostic.error(call.target().pos(), "the called runbook '" + call.target().value() + "' is invalid"));
                out.addAll(callee.diagnostics());
                continue;
            }
            checkCallParams(call, callee.runbook(), out);
        }
    }

    /**
     * The ids of the steps with a gate, in this runbook and in every runbook it calls: what
     * {@code --approve} and a schedule's {@code approve:} may name (a gate is asked by its step's id).
     */
    public java.util.SortedSet<String> gatedSteps(Runbook rb) {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        gatedSteps(rb, new java.util.HashSet<>(), out);
        return out;
    }

    private void gatedSteps(Runbook rb, java.util.Set<Path> seen, java.util.Set<String> out) {
        for (Step s : rb.allSteps()) {
            if (s.gate() != null) {
                out.add(s.id());
            }
            if (s.action() instanceof Action.Call call && call.resolved() != null && seen.add(call.resolved())) {
                Loaded callee = load(call.resolved());
                if (callee.runbook() != null) {
                    gatedSteps(callee.runbook(), seen, out);
                }
            }
        }
    }

    private void checkCallParams(Action.Call call, Runbook callee, List<Diagnostic> out) {
        for (String given : call.params().keySet()) {
            if (!callee.params().containsKey(given)) {
                String hint = DidYouMean.suggest(given, callee.params().keySet());
                out.add(Diagnostic.error(call.target().pos(), "runbook '" + callee.name() + "' has no param '" + given + "'",
                        hint == null ? null : "did you mean '" + hint + "'?"));
            }
        }
        for (Param p : callee.params().values()) {
            if (p.required() && p.defaultValue() == null && !call.params().containsKey(p.name())) {
                out.add(Diagnostic.error(call.target().pos(), "runbook '" + callee.name() + "' needs param '" + p.name() + "'"));
            }
            Object given = call.params().get(p.name());
            if (given instanceof Text t && !t.isTemplate()) {
                checkLiteral(callee, p, t.value(), t.pos(), out);
            } else if (given instanceof Number || given instanceof Boolean) {
                checkLiteral(callee, p, String.valueOf(given), call.target().pos(), out);
            } else if (given instanceof List<?> l && l.stream().allMatch(i -> i instanceof Text t && !t.isTemplate())) {
                checkLiteral(callee, p, l.stream().map(i -> ((Text) i).value()).toList(),
                        l.isEmpty() ? call.target().pos() : ((Text) l.get(0)).pos(), out);
            }
        }
    }

    /** A literal value given to a called runbook's param is checked now, not when the call is reached. */
    private static void checkLiteral(Runbook callee, Param p, Object value, SourcePos at, List<Diagnostic> out) {
        try {
            String empty = p.refusesEmpty(ParamReader.convert(p.type(), value, p.values(), p.pattern()));
            if (empty != null) {
                out.add(Diagnostic.error(at, "param '" + p.name() + "' of runbook '" + callee.name() + "' " + empty));
            }
        } catch (IllegalArgumentException e) {
            out.add(Diagnostic.error(at, "param '" + p.name() + "' of runbook '" + callee.name() + "' (" + p.type().yamlName() + "): "
                    + (p.secret() ? "invalid value" : e.getMessage())));
        }
    }

    private static List<Diagnostic> dedupe(List<Diagnostic> in) {
        return in.stream().distinct().sorted(Diagnostic.ORDER).toList();
    }

    /** A path as the user should see it: relative to the working directory when inside it. */
    public static String label(Path path) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = path.toAbsolutePath().normalize();
        if (!abs.startsWith(cwd)) {
            return abs.toString();
        }
        String relative = cwd.relativize(abs).toString();
        // the working directory itself ('-i .', '-i ../here') would otherwise be named by nothing
        return relative.isEmpty() ? "." : relative;
    }
}
