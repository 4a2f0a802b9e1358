package dev.runbook.schedule;

import dev.runbook.load.DidYouMean;
import dev.runbook.load.Mapping;
import dev.runbook.load.RunbookLoader;
import dev.runbook.load.YamlFile;
import dev.runbook.load.YamlReader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Runbook;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Text;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads schedules from {@code schedules/*.yaml} (a schedule, or {@code schedules:} with a list)
 * and from the {@code schedule:} block of runbooks on the search path. Every problem in every file
 * is reported at once; references (runbook, params, gate ids) are checked against the runbooks.
 */
public final class ScheduleLoader {
    static final Set<String> KEYS = Set.of("id", "runbook", "cron", "time_zone", "params", "targets", "approve",
            "misfire", "overlap", "deadline", "enabled", "description");
    static final Set<String> BLOCK_KEYS = Set.of("id", "cron", "time_zone", "params", "targets", "approve", "misfire",
            "overlap", "deadline", "enabled", "description");

    private final RunbookLoader runbooks;
    private final dev.runbook.engine.Hosts hosts;
    private final List<Diagnostic> out = new ArrayList<>();

    public ScheduleLoader(RunbookLoader runbooks) {
        this(runbooks, null);
    }

    /** @param hosts the inventory the schedules' targets must select hosts of, or null not to check them */
    public ScheduleLoader(RunbookLoader runbooks, dev.runbook.engine.Hosts hosts) {
        this.runbooks = runbooks;
        this.hosts = hosts;
    }

    /** Every schedule found under {@code dir} and in the runbooks on the search path; throws with all problems. */
    public List<Schedule> load(Path dir) {
        List<Schedule> schedules = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().matches(".*\\.ya?ml$")).sorted().toList()) {
                    schedules.addAll(file(f));
                }
            } catch (IOException e) {
                out.add(Diagnostic.error(new SourcePos(dir.toString(), 0, 0), "cannot list schedules: " + e.getMessage()));
            }
        }
        for (Path rb : runbooks.paths().all()) {
            schedules.addAll(block(rb));
        }
        Map<String, Schedule> ids = new HashMap<>();
        for (Schedule s : schedules) {
            Schedule first = ids.putIfAbsent(s.id(), s);
            if (first != null) {
                out.add(Diagnostic.error(s.pos(), "duplicate schedule id '" + s.id() + "' (first at " + first.pos() + ")"));
            }
        }
        if (out.stream().anyMatch(Diagnostic::isError)) {
            throw new InvalidInputException(out.stream().filter(Diagnostic::isError).toList());
        }
        return schedules;
    }

    /** The problems of a valid runbook's own {@code schedule:} block, for {@code runbook validate}. */
    public List<Diagnostic> checkBlock(Path rbFile) {
        out.clear();
        block(rbFile);
        return List.copyOf(out);
    }

    private List<Schedule> file(Path f) {
        List<Schedule> found = new ArrayList<>();
        String label = RunbookLoader.label(f);
        var yaml = YamlFile.read(f, label, out);
        if (yaml.isEmpty()) {
            return found;
        }
        var root = yaml.get().compose(out);
        if (root.isEmpty()) {
            return found;
        }
        YamlReader y = new YamlReader(yaml.get(), out);
        Mapping top = y.mapping(root.get(), "a schedule file", null);
        if (top == null) {
            return found;
        }
        if (top.has("schedules")) {
            if (top.keys().size() > 1) {
                y.error(top.pos(), "a schedule file holds either one schedule or 'schedules:' with a list, not both");
            }
            List<Node> items = top.sequence("schedules");
            for (Node n : items == null ? List.<Node>of() : items) {
                Schedule s = schedule(y, y.mapping(n, "a schedule", KEYS), null, f.getParent());
                if (s != null) {
                    found.add(s);
                }
            }
        } else {
            Schedule s = schedule(y, y.mapping(root.get(), "a schedule", KEYS), null, f.getParent());
            if (s != null) {
                found.add(s);
            }
        }
        return found;
    }

    /** The {@code schedule:} block of a runbook: one schedule, or a list of them. */
    private List<Schedule> block(Path rbFile) {
        List<Schedule> found = new ArrayList<>();
        List<Diagnostic> ignored = new ArrayList<>();
        var yaml = YamlFile.read(rbFile, RunbookLoader.label(rbFile), ignored);
        var root = yaml.flatMap(y -> y.compose(ignored));
        if (root.isEmpty()) {
            return found;
        }
        YamlReader y = new YamlReader(yaml.get(), out);
        Mapping top = y.mapping(root.get(), "a runbook", null);
        if (top == null || !top.has("schedule")) {
            return found;
        }
        Node block = top.get("schedule");
        List<Node> items = block instanceof org.snakeyaml.engine.v2.nodes.SequenceNode ? y.sequence(block, "'schedule'") : List.of(block);
        for (Node n : items) {
            Schedule s = schedule(y, y.mapping(n, "'schedule'", BLOCK_KEYS), rbFile, rbFile.getParent());
            if (s != null) {
                found.add(s);
            }
        }
        return found;
    }

    private Schedule schedule(YamlReader y, Mapping m, Path ownRunbook, Path dir) {
        if (m == null) {
            return null;
        }
        boolean ok = m.require("cron") & (ownRunbook != null || m.require("runbook"));
        Path rbPath = ownRunbook;
        Runbook rb = null;
        if (ownRunbook == null && m.has("runbook")) {
            Text name = m.text("runbook");
            if (name != null) {
                rbPath = runbooks.paths().find(name.value()).orElse(null);
                if (rbPath == null) {
                    y.error(name.pos(), "no runbook '" + name.value() + "' (looked in " + runbooks.paths().describe() + ")");
                }
            }
        }
        if (rbPath != null) {
            RunbookLoader.Loaded l = runbooks.load(rbPath);
            if (!l.ok()) {
                y.error(m.pos(), "the scheduled runbook " + RunbookLoader.label(rbPath) + " is invalid (runbook validate " + RunbookLoader.label(rbPath) + ")");
            } else {
                rb = l.runbook();
            }
        }
        String id = m.has("id") ? m.string("id") : rb != null ? rb.name() : null;
        if (id != null && !id.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            y.error(m.keyPos("id"), "schedule id '" + id + "' may hold letters, digits, '.', '-' and '_' only");
        }
        ZoneId zone = ScheduleTiming.zone(y, m);
        String cron = ScheduleTiming.cron(y, m, zone);
        Map<String, String> params = params(y, m, rb);
        List<String> approve = approvals(y, m, rb);
        unapprovedGates(m, rb, approve);
        Schedule.Misfire misfire = enumOf(y, m, "misfire", Schedule.Misfire.class, Schedule.Misfire.SKIP);
        Schedule.Overlap overlap = enumOf(y, m, "overlap", Schedule.Overlap.class, Schedule.Overlap.SKIP);
        Duration deadline = m.duration("deadline");
        TargetCheck.check(y, m, rb, hosts);
        if (!ok || id == null || cron == null || rbPath == null) {
            return null;
        }
        return new Schedule(id, rbPath, cron, zone, params, m.string("targets"), approve, misfire, overlap, deadline,
                m.bool("enabled", true), m.pos());
    }

    private static Map<String, String> params(YamlReader y, Mapping m, Runbook rb) {
        Map<String, String> params = new LinkedHashMap<>();
        Mapping pm = m.mapping("params", null);
        if (rb != null) {
            // a missing required param would otherwise fail every fire, found only in the daemon's log
            for (var p : rb.params().values()) {
                if (p.required() && p.defaultValue() == null && (pm == null || !pm.has(p.name()))) {
                    y.error(m.has("params") ? m.keyPos("params") : m.pos(), "runbook '" + rb.name() + "' needs param '" + p.name() + "'");
                }
            }
        }
        if (pm == null) {
            return params;
        }
        for (String k : pm.keys()) {
            Object v = y.value(pm.get(k));
            if (rb != null && !rb.params().containsKey(k)) {
                String hint = DidYouMean.suggest(k, rb.params().keySet());
                y.error(pm.keyPos(k), "runbook '" + rb.name() + "' has no param '" + k + "'", hint == null ? null : "did you mean '" + hint + "'?");
                continue;
            }
            String value = v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : String.valueOf(v);
            if (rb != null) {
                var p = rb.params().get(k);
                try {
                    String empty = p.refusesEmpty(dev.runbook.load.ParamReader.convert(p.type(), value, p.values(), p.pattern()));
                    if (empty != null) {
                        y.error(y.pos(pm.get(k)), "param '" + k + "' " + empty);
                    }
                } catch (IllegalArgumentException e) {
                    y.error(y.pos(pm.get(k)), "param '" + k + "': " + (p.secret() ? "invalid value" : e.getMessage()));
                }
            }
            params.put(k, value);
        }
        return params;
    }

    private List<String> approvals(YamlReader y, Mapping m, Runbook rb) {
        List<String> ids = new ArrayList<>();
        List<Node> items = m.sequence("approve");
        for (Node n : items == null ? List.<Node>of() : items) {
            Text t = y.text(n, "a gate to approve");
            if (t == null) {
                continue;
            }
            if (rb != null) {
                List<String> gated = List.copyOf(runbooks.gatedSteps(rb));
                if (!gated.contains(t.value())) {
                    String hint = DidYouMean.suggest(t.value(), gated);
                    y.error(t.pos(), "runbook '" + rb.name() + "' has no gate on a step '" + t.value() + "'",
                            hint == null ? null : "did you mean '" + hint + "'?");
                    continue;
                }
            }
            ids.add(t.value());
        }
        return ids;
    }

    /**
     * A gate the schedule does not approve denies every fire that reaches it, which validates clean
     * and fails each night: a warning, not an error, since a gate under {@code when:} may be meant
     * to stop only the odd run.
     */
    private void unapprovedGates(Mapping m, Runbook rb, List<String> approve) {
        if (rb == null) {
            return;
        }
        List<String> missing = runbooks.gatedSteps(rb).stream().filter(g -> !approve.contains(g)).toList();
        if (missing.isEmpty()) {
            return;
        }
        java.util.Set<String> own = new java.util.HashSet<>();
        rb.allSteps().stream().filter(st -> st.gate() != null).forEach(st -> own.add(st.id()));
        String names = String.join(", ", missing.stream().map(g -> "'" + g + "'" + (own.contains(g) ? "" : " (in a called runbook)")).toList());
        String id = m.has("id") ? m.string("id") : rb.name();
        out.add(Diagnostic.warning(m.has("approve") ? m.keyPos("approve") : m.pos(), "schedule '" + id + "' does not approve the gate"
                + (missing.size() == 1 ? " " : "s ") + names + " of runbook '" + rb.name() + "': a fire that reaches "
                + (missing.size() == 1 ? "it" : "one") + " is denied there"));
    }

    /** The warnings of the last {@link #load}: schedules that load, but may not do what they say. */
    public List<Diagnostic> warnings() {
        return out.stream().filter(d -> !d.isError()).sorted(Diagnostic.ORDER).toList();
    }

    private static <E extends Enum<E>> E enumOf(YamlReader y, Mapping m, String key, Class<E> type, E fallback) {
        String v = m.string(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
            y.error(m.keyPos(key), "'" + key + "' must be one of " + String.join(", ", names) + ", not '" + v + "'");
            return fallback;
        }
    }
}
