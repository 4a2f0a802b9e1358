package dev.runbook.load;

import dev.runbook.model.Action;
import dev.runbook.model.SourcePos;
import dev.runbook.model.Step;
import dev.runbook.model.Text;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads the {@code steps:} of a runbook into {@link Step} values, reporting every problem. */
final class StepReader {
    static final List<String> KINDS = List.of("run", "script", "sql", "http", "websocket", "assert", "wait", "runbook", "block");
    static final Set<String> COMMON = Set.of("id", "name", "when", "confirm", "check", "retry", "timeout",
            "on_failure", "readonly", "loop", "loop_var", "targets", "parse", "become", "max_parallel", "batch",
            "max_failures", "description");
    /** Keys that belong to one kind only. */
    static final Map<String, String> KIND_KEYS = Map.ofEntries(Map.entry("shell", "run,script"),
            Map.entry("database", "sql"), Map.entry("statement_timeout", "sql"), Map.entry("transaction", "sql"),
            Map.entry("message", "assert"), Map.entry("params", "runbook"), Map.entry("rescue", "block"),
            Map.entry("always", "block"));
    static final Set<String> ALL_KEYS;

    static {
        Set<String> all = new LinkedHashSet<>(COMMON);
        all.addAll(KINDS);
        all.addAll(KIND_KEYS.keySet());
        ALL_KEYS = Set.copyOf(all);
    }

    private static final Set<String> WAIT_KEYS = Set.of("until", "run", "timeout", "interval");

    private final YamlReader y;
    private final CallResolver calls;
    private final StepFields f;
    private final StepModifiers modifiers;
    private final NetworkSteps network;

    StepReader(YamlReader y, CallResolver calls) {
        this.y = y;
        this.calls = calls;
        this.f = new StepFields(y);
        this.modifiers = new StepModifiers(y, f, this);
        this.network = new NetworkSteps(y, f);
    }

    List<Step> steps(Node node, String what) {
        List<Node> items = y.sequence(node, what);
        List<Step> out = new ArrayList<>();
        if (items == null) {
            return out;
        }
        for (Node item : items) {
            Step s = step(item);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private Step step(Node node) {
        Map<String, Text> outer = f.enter();
        try {
            return readStep(node);
        } finally {
            f.leave(outer);
        }
    }

    private Step readStep(Node node) {
        Mapping m = y.mapping(node, "a step", ALL_KEYS, AnsibleHabits.STEP);
        if (m == null) {
            return null;
        }
        SourcePos pos = m.pos();
        String id = null;
        if (m.require("id")) {
            id = m.string("id");
            if (id != null && !id.matches("[A-Za-z][A-Za-z0-9_-]*")) {
                y.error(m.keyPos("id"), "step id '" + id + "' must start with a letter and hold only letters, digits, '-' and '_'");
            }
        }
        List<String> kinds = KINDS.stream().filter(m::has).toList();
        String kind;
        if (kinds.size() > 1) {
            y.error(m.keyPos(kinds.get(1)), "a step has exactly one kind, this one has " + String.join(" and ", kinds));
            return null;
        } else if (kinds.isEmpty()) {
            if (!m.has("confirm")) {
                y.error(pos, "step '" + (id == null ? "?" : id) + "' has no kind; give it one of: "
                        + String.join(", ", KINDS) + " (or confirm alone)", m.has("shell") ? AnsibleHabits.SHELL_WITHOUT_KIND : null);
                return null;
            }
            kind = "confirm";
        } else {
            kind = kinds.get(0);
        }
        for (String key : m.keys()) {
            String owner = KIND_KEYS.get(key);
            if (owner != null && !List.of(owner.split(",")).contains(kind)) {
                y.error(m.keyPos(key), "'" + key + "' applies to " + owner.replace(",", " and ") + " steps, not to " + kind + " steps");
            }
        }
        Action action = action(kind, m);
        Step.Gate gate = kind.equals("confirm") || m.has("confirm") ? modifiers.gate(m) : null;
        String parse = m.string("parse");
        if (parse != null && !parse.equals("json")) {
            y.error(m.keyPos("parse"), "parse must be 'json', not '" + parse + "'");
        }
        return new Step(
                id == null ? "?" : id,
                m.string("name"),
                action,
                f.expression(m, "when"),
                gate,
                modifiers.check(m),
                modifiers.retry(m),
                f.positive(m, "timeout"),
                modifiers.onFailure(m),
                modifiers.loop(m),
                m.bool("readonly", false),
                m.text("targets"),
                FanOutReader.read(y, m),
                modifiers.become(m),
                "json".equals(parse),
                f.templated(),
                pos);
    }

    private Action action(String kind, Mapping m) {
        return switch (kind) {
            case "run" -> new Action.Run(f.nonEmpty(m, "run"), shell(m));
            case "script" -> new Action.Script(f.nonEmpty(m, "script"), shell(m));
            case "sql" -> new Action.Sql(f.nonEmpty(m, "sql"), m.text("database"), f.positive(m, "statement_timeout", "statement_timeout"),
                    m.bool("transaction", true));
            case "http" -> network.http(m.get("http"));
            case "websocket" -> network.websocket(m.get("websocket"));
            case "assert" -> new Action.Assert(f.nonEmpty(m, "assert"), m.text("message"));
            case "wait" -> waitAction(m.get("wait"));
            case "runbook" -> call(m);
            case "block" -> new Action.Block(steps(m.get("block"), "'block'"),
                    m.has("rescue") ? steps(m.get("rescue"), "'rescue'") : List.of(),
                    m.has("always") ? steps(m.get("always"), "'always'") : List.of());
            default -> new Action.Confirm();
        };
    }

    private String shell(Mapping m) {
        String shell = m.string("shell");
        if (shell != null && !shell.matches("[A-Za-z0-9_./-]+")) {
            y.error(m.keyPos("shell"), "shell must be a program name or path, not '" + shell + "'");
            return null;
        }
        return shell;
    }

    private Action.Wait waitAction(Node n) {
        if (n instanceof ScalarNode sn && sn.getValue().contains("{{")) {
            f.templated().put("wait", y.textOf(sn));
            return new Action.Wait(StepFields.PLACEHOLDER, null, null, null, null);
        }
        if (n instanceof ScalarNode) {
            Duration d = y.duration(n, "'wait'");
            return new Action.Wait(d == null ? Duration.ZERO : d, null, null, null, null);
        }
        Mapping w = y.mapping(n, "'wait'", WAIT_KEYS);
        if (w == null) {
            return new Action.Wait(Duration.ZERO, null, null, null, null);
        }
        if (w.has("until") == w.has("run")) {
            y.error(w.pos(), "'wait' takes a duration, or 'until: EXPR' or 'run: COMMAND' with a 'timeout'");
        }
        if (!w.has("timeout")) {
            y.error(w.pos(), "a conditional 'wait' needs a 'timeout' so it cannot wait forever");
        }
        Duration interval = f.duration(w, "interval", "wait.interval");
        return new Action.Wait(null, f.expression(w, "until"), w.text("run"), f.positive(w, "timeout", "wait.timeout"),
                interval == null ? Duration.ofSeconds(1) : interval);
    }

    private Action.Call call(Mapping m) {
        Text target = m.text("runbook");
        Map<String, Object> params = new LinkedHashMap<>();
        Mapping p = m.mapping("params", null);
        if (p != null) {
            for (String k : p.keys()) {
                params.put(k, y.value(p.get(k)));
            }
        }
        java.nio.file.Path resolved = null;
        if (target != null) {
            if (target.isTemplate()) {
                y.error(target.pos(), "the runbook a step calls must be named literally, not by a template");
            } else {
                resolved = calls.resolve(target.value(), target.pos());
            }
        }
        return new Action.Call(target == null ? Text.of("") : target, resolved, params);
    }
}
