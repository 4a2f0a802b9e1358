package dev.runbook.load;

import dev.runbook.model.Action;
import dev.runbook.model.FanOut;
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
import org.snakeyaml.engine.v2.nodes.MappingNode;
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

    private static final Set<String> HTTP_KEYS = Set.of("url", "method", "headers", "body", "json",
            "expect_status", "timeout", "verify_tls", "ca_file", "follow_redirects", "form", "files");
    private static final Set<String> WEBSOCKET_KEYS = Set.of("url", "headers", "send", "expect", "timeout",
            "verify_tls", "ca_file");
    private static final Set<String> EXPECT_KEYS = Set.of("json", "text", "any");
    private static final Set<String> RETRY_KEYS = Set.of("attempts", "delay", "backoff", "max_delay", "until");
    private static final Set<String> WAIT_KEYS = Set.of("until", "run", "timeout", "interval");
    private static final Set<String> CONFIRM_KEYS = Set.of("prompt", "word");
    private static final Set<String> CHECK_KEYS = Set.of("assert", "run");
    private static final Set<String> BECOME_KEYS = Set.of("user", "password");

    private final YamlReader y;
    private final CallResolver calls;
    /** Durations of the step being read that are templates; a stack because steps nest. */
    private Map<String, Text> templated = new LinkedHashMap<>();

    StepReader(YamlReader y, CallResolver calls) {
        this.y = y;
        this.calls = calls;
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
        Map<String, Text> outer = templated;
        templated = new LinkedHashMap<>();
        try {
            return readStep(node);
        } finally {
            templated = outer;
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
        Step.Gate gate = kind.equals("confirm") || m.has("confirm") ? gate(m) : null;
        String parse = m.string("parse");
        if (parse != null && !parse.equals("json")) {
            y.error(m.keyPos("parse"), "parse must be 'json', not '" + parse + "'");
        }
        return new Step(
                id == null ? "?" : id,
                m.string("name"),
                action,
                expression(m, "when"),
                gate,
                check(m),
                retry(m),
                positive(m, "timeout"),
                onFailure(m),
                loop(m),
                m.bool("readonly", false),
                m.text("targets"),
                FanOutReader.read(y, m),
                become(m),
                "json".equals(parse),
                templated,
                pos);
    }

    private Action action(String kind, Mapping m) {
        return switch (kind) {
            case "run" -> new Action.Run(nonEmpty(m, "run"), shell(m));
            case "script" -> new Action.Script(nonEmpty(m, "script"), shell(m));
            case "sql" -> new Action.Sql(nonEmpty(m, "sql"), m.text("database"), positive(m, "statement_timeout", "statement_timeout"),
                    m.bool("transaction", true));
            case "http" -> http(m.get("http"));
            case "websocket" -> websocket(m.get("websocket"));
            case "assert" -> new Action.Assert(nonEmpty(m, "assert"), m.text("message"));
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

    private static final Duration PLACEHOLDER = Duration.ofMillis(1);

    private Duration template(Mapping m, String key, String path) {
        Node n = m.get(key);
        if (n instanceof ScalarNode sn && sn.getValue().contains("{{")) {
            templated.put(path, y.textOf(sn));
            return PLACEHOLDER;
        }
        return null;
    }

    private Duration duration(Mapping m, String key, String path) {
        Duration d = template(m, key, path);
        return d != null ? d : m.duration(key);
    }

    private Text nonEmpty(Mapping m, String key) {
        Text t = m.text(key);
        if (t != null && t.value().isBlank()) {
            y.error(m.keyPos(key), "'" + key + "' is empty");
        }
        return t == null ? Text.of("") : t;
    }

    private Text expression(Mapping m, String key) {
        Node n = m.get(key);
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && !YamlReader.isNull(n)) {
            Text t = y.textOf(s);
            if (t.value().contains("{{")) {
                y.error(t.pos(), "'" + key + "' takes a bare expression; remove the '{{ }}'");
            } else if (t.value().isBlank()) {
                y.error(m.keyPos(key), "'" + key + "' is empty");
            }
            return t;
        }
        y.error(n, "'" + key + "' must be an expression (a string), not " + YamlReader.describe(n));
        return null;
    }

    private Duration positive(Mapping m, String key) {
        return positive(m, key, key);
    }

    /**
     * A duration, or a template for one: {@code "{{ params.grace }}"} is kept under {@code path}
     * and rendered when the step runs; a placeholder stands in the model until then.
     */
    private Duration positive(Mapping m, String key, String path) {
        Duration d = template(m, key, path);
        if (d != null) {
            return d;
        }
        d = m.duration(key);
        if (d != null && d.isZero()) {
            y.error(m.keyPos(key), "'" + key + "' must be longer than 0s");
        }
        return d;
    }

    private Step.Gate gate(Mapping m) {
        Node n = m.get("confirm");
        if (n instanceof MappingNode) {
            Mapping c = y.mapping(n, "'confirm'", CONFIRM_KEYS);
            if (c == null || !c.require("prompt")) {
                return null;
            }
            return new Step.Gate(c.text("prompt"), c.text("word"), y.pos(n));
        }
        Text prompt = y.text(n, "'confirm'");
        return prompt == null ? null : new Step.Gate(prompt, null, y.pos(n));
    }

    private Step.Check check(Mapping m) {
        Node n = m.get("check");
        if (n == null) {
            return null;
        }
        if (n instanceof MappingNode) {
            Mapping c = y.mapping(n, "'check'", CHECK_KEYS);
            if (c == null) {
                return null;
            }
            if (c.has("assert") == c.has("run")) {
                y.error(c.pos(), "'check' takes either 'assert: EXPR' or 'run: COMMAND'");
                return null;
            }
            return c.has("assert") ? new Step.AssertCheck(expression(c, "assert")) : new Step.CommandCheck(c.text("run"));
        }
        Text cmd = y.text(n, "'check'");
        return cmd == null ? null : new Step.CommandCheck(cmd);
    }

    private Step.Retry retry(Mapping m) {
        Node n = m.get("retry");
        if (n == null) {
            return Step.Retry.ONCE;
        }
        if (n instanceof ScalarNode) {
            Long attempts = y.integer(n, "'retry'");
            return attempts == null ? Step.Retry.ONCE : new Step.Retry(attempts(n, attempts), Duration.ZERO, 1.0, null, null);
        }
        Mapping r = y.mapping(n, "'retry'", RETRY_KEYS);
        if (r == null) {
            return Step.Retry.ONCE;
        }
        Long attempts = r.has("attempts") ? r.integer("attempts") : Long.valueOf(3);
        Duration delay = duration(r, "delay", "retry.delay");
        double backoff = 1.0;
        if (r.has("backoff")) {
            Object b = y.value(r.get("backoff"));
            if (b instanceof Number num && num.doubleValue() >= 1.0 && num.doubleValue() <= 10) {
                backoff = num.doubleValue();
            } else {
                y.error(y.pos(r.get("backoff")), "'backoff' must be a number from 1 to 10");
            }
        }
        return new Step.Retry(attempts == null ? 1 : attempts(r.get("attempts") == null ? n : r.get("attempts"), attempts),
                delay == null ? Duration.ofSeconds(1) : delay, backoff, duration(r, "max_delay", "retry.max_delay"), expression(r, "until"));
    }

    private int attempts(Node at, long attempts) {
        if (attempts < 1 || attempts > 1000) {
            y.error(at, "retry attempts must be from 1 to 1000, not " + attempts);
            return 1;
        }
        return (int) attempts;
    }

    private Step.OnFailure onFailure(Mapping m) {
        Node n = m.get("on_failure");
        if (n == null) {
            return new Step.Abort();
        }
        if (n instanceof ScalarNode s && !YamlReader.isNull(n)) {
            return switch (s.getValue()) {
                case "abort" -> new Step.Abort();
                case "continue" -> new Step.Continue();
                default -> {
                    String hint = DidYouMean.suggest(s.getValue(), List.of("abort", "continue"));
                    y.error(y.pos(n), "on_failure must be 'abort', 'continue' or a list of steps, not '" + s.getValue() + "'",
                            hint == null ? null : "did you mean '" + hint + "'?");
                    yield new Step.Abort();
                }
            };
        }
        return new Step.Handle(steps(n, "'on_failure'"));
    }

    private Step.Loop loop(Mapping m) {
        Node n = m.get("loop");
        if (n == null) {
            return null;
        }
        String var = m.has("loop_var") ? m.string("loop_var") : "item";
        if (var != null && !var.matches("[a-z_][a-z0-9_]*")) {
            y.error(m.keyPos("loop_var"), "loop_var must be a lower-case name");
        }
        if (n instanceof ScalarNode s && !YamlReader.isNull(n)) {
            Text t = y.textOf(s);
            if (!t.value().strip().startsWith("{{") || !t.value().strip().endsWith("}}")) {
                y.error(t.pos(), "'loop' must be a list, or one '{{ expression }}' giving a list, not '" + t.value() + "'");
                return null;
            }
            return new Step.Loop(t, null, var);
        }
        if (y.sequence(n, "'loop'") == null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        List<Object> literal = (List<Object>) y.value(n);
        return new Step.Loop(null, literal, var);
    }

    /** A user written out must be a user name (what sudo -u takes), not a command line or an option. */
    private void checkUser(Text user) {
        if (user != null && !user.isTemplate() && !Step.Become.USER_NAME.matcher(user.value()).matches()) {
            y.error(user.pos(), "become: '" + user.value() + "' is not a user name (letters, digits, '.', '_', '-'; or #UID)");
        }
    }

    private Step.Become become(Mapping m) {
        Node n = m.get("become");
        if (n == null) {
            return null;
        }
        if (n instanceof ScalarNode s && org.snakeyaml.engine.v2.nodes.Tag.BOOL.equals(s.getTag())) {
            return Boolean.TRUE.equals(y.bool(n, "'become'")) ? new Step.Become(Text.of("root"), null) : null;
        }
        if (n instanceof ScalarNode) {
            Text user = y.text(n, "'become'");
            checkUser(user);
            return user == null ? null : new Step.Become(user, null);
        }
        Mapping b = y.mapping(n, "'become'", BECOME_KEYS);
        if (b == null) {
            return null;
        }
        Text user = b.has("user") ? b.text("user") : Text.of("root");
        checkUser(user);
        String password = b.string("password");
        if (password != null) {
            password = password.replaceFirst("^secrets\\.", "");
        }
        return new Step.Become(user, password);
    }

    /** A URL written out in full must say http:// or https:// (and ws:// or wss:// for a WebSocket). */
    private void checkUrl(Text url, String... schemes) {
        if (url == null || url.value().isEmpty() || url.value().startsWith("{{")) {
            return;
        }
        String v = url.value().strip().toLowerCase(java.util.Locale.ROOT);
        if (java.util.Arrays.stream(schemes).noneMatch(sch -> v.startsWith(sch + "://"))) {
            y.error(url.pos(), "the URL '" + url.value() + "' must start with " + String.join("://, ", schemes) + "://");
        } else if (!url.isTemplate()) {
            checkLiteralUrl(url);
        }
    }

    /** A URL with no template in it fails the same way on every run: it is checked now. */
    private void checkLiteralUrl(Text url) {
        String v = url.value();
        java.net.URI u;
        try {
            u = new java.net.URI(v);
        } catch (java.net.URISyntaxException e) {
            y.error(url.posAt(Math.max(0, e.getIndex())), "the URL '" + v + "' is malformed: " + e.getReason());
            return;
        }
        String authority = u.getRawAuthority() == null ? "" : u.getRawAuthority();
        java.util.regex.Matcher port = java.util.regex.Pattern.compile(":(\\d+)$").matcher(authority);
        if (port.find() && !authority.endsWith("]")) {
            String digits = port.group(1);
            if (digits.length() > 5 || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > 65535) {
                int at = v.indexOf(authority) + port.start(1);
                y.error(url.posAt(at), "the URL '" + v + "' has port " + digits + "; a port is 1 to 65535");
                return;
            }
        }
        if (u.getHost() == null) {
            int at = authority.isEmpty() ? v.indexOf("://") + 3 : v.indexOf(authority);
            y.error(url.posAt(at), "the URL '" + v + "' has no valid host name");
        }
    }

    private Action.Http http(Node n) {
        if (n instanceof ScalarNode) {
            Text url = y.text(n, "'http'");
            checkUrl(url, "http", "https");
            return new Action.Http(url == null ? Text.of("") : url, "GET", Map.of(), null, null, List.of(), null, true, null, false,
                    Map.of(), Map.of());
        }
        Mapping h = y.mapping(n, "'http'", HTTP_KEYS);
        if (h == null || !h.require("url")) {
            return new Action.Http(Text.of(""), "GET", Map.of(), null, null, List.of(), null, true, null, false, Map.of(), Map.of());
        }
        String method = h.has("method") ? h.string("method") : "GET";
        if (method != null && !method.matches("GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS")) {
            y.error(h.keyPos("method"), "method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        }
        Map<String, Text> headers = new LinkedHashMap<>();
        Mapping hm = h.mapping("headers", null);
        if (hm != null) {
            for (String k : hm.keys()) {
                if (!k.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                    y.error(hm.keyPos(k), "'" + k + "' is not a valid HTTP header name");
                }
                Text v = hm.text(k);
                if (v != null) {
                    headers.put(k, v);
                }
            }
        }
        long bodies = java.util.stream.Stream.of("body", "json", "form", "files").filter(h::has).count();
        if (bodies > 1 && !(bodies == 2 && h.has("form") && h.has("files"))) {
            y.error(h.pos(), "give one body: 'body', 'json', or multipart 'form' and 'files'");
        }
        Map<String, Text> form = textMap(h, "form");
        Map<String, Text> files = textMap(h, "files");
        List<Integer> statuses = new ArrayList<>();
        Node es = h.get("expect_status");
        if (es != null) {
            List<Node> list = es instanceof ScalarNode ? List.of(es) : y.sequence(es, "'expect_status'");
            for (Node s : list == null ? List.<Node>of() : list) {
                Long code = y.integer(s, "'expect_status'");
                if (code != null && (code < 100 || code > 599)) {
                    y.error(s, "'expect_status' must be an HTTP status from 100 to 599");
                } else if (code != null) {
                    statuses.add(code.intValue());
                }
            }
        }
        checkUrl(h.text("url"), "http", "https");
        return new Action.Http(h.text("url"), method == null ? "GET" : method, headers, h.text("body"),
                h.has("json") ? y.value(h.get("json")) : null, statuses, positive(h, "timeout", "http.timeout"),
                h.bool("verify_tls", true), h.text("ca_file"), h.bool("follow_redirects", false), form, files);
    }

    private Map<String, Text> textMap(Mapping m, String key) {
        Map<String, Text> out = new LinkedHashMap<>();
        Mapping sub = m.mapping(key, null);
        if (sub != null) {
            for (String k : sub.keys()) {
                Text v = sub.text(k);
                if (v != null) {
                    out.put(k, v);
                }
            }
        }
        return out;
    }

    private Action.WebSocket websocket(Node n) {
        Mapping w = y.mapping(n, "'websocket'", WEBSOCKET_KEYS);
        if (w == null || !w.require("url") || !w.require("timeout")) {
            return new Action.WebSocket(Text.of(""), Map.of(), List.of(), null, null, java.time.Duration.ofSeconds(10), true, null);
        }
        Map<String, Text> headers = new LinkedHashMap<>();
        Mapping hm = w.mapping("headers", null);
        if (hm != null) {
            for (String k : hm.keys()) {
                Text v = hm.text(k);
                if (v != null) {
                    headers.put(k, v);
                }
            }
        }
        List<Object> send = new ArrayList<>();
        if (w.has("send")) {
            List<Node> items = w.get("send") instanceof ScalarNode ? List.of(w.get("send")) : w.sequence("send");
            for (Node item : items == null ? List.<Node>of() : items) {
                send.add(y.value(item));
            }
        }
        Map<String, Object> expectJson = null;
        Text expectText = null;
        Node e = w.get("expect");
        if (e != null) {
            Mapping em = y.mapping(e, "'expect'", EXPECT_KEYS);
            if (em != null) {
                if (em.keys().size() != 1) {
                    y.error(em.pos(), "'expect' takes one of: json (fields a JSON message must have), text (a regex), any: true");
                } else if (em.has("json")) {
                    Object v = y.value(em.get("json"));
                    if (v instanceof Map<?, ?> map) {
                        expectJson = new LinkedHashMap<>();
                        for (Map.Entry<?, ?> en : map.entrySet()) {
                            expectJson.put(String.valueOf(en.getKey()), en.getValue());
                        }
                    } else {
                        y.error(y.pos(em.get("json")), "'expect.json' must be a mapping of fields, e.g. {type: heartbeat}");
                    }
                } else if (em.has("text")) {
                    expectText = em.text("text");
                    if (expectText != null) {
                        try {
                            java.util.regex.Pattern.compile(expectText.value());
                        } catch (java.util.regex.PatternSyntaxException ex) {
                            y.error(expectText.pos(), "invalid regular expression in 'expect.text': " + ex.getDescription());
                        }
                    }
                } else {
                    em.bool("any");
                }
            }
        }
        Duration timeout = positive(w, "timeout", "websocket.timeout");
        checkUrl(w.text("url"), "ws", "wss");
        return new Action.WebSocket(w.text("url"), headers, send, expectJson, expectText,
                timeout == null ? Duration.ofSeconds(10) : timeout, w.bool("verify_tls", true), w.text("ca_file"));
    }

    private Action.Wait waitAction(Node n) {
        if (n instanceof ScalarNode sn && sn.getValue().contains("{{")) {
            templated.put("wait", y.textOf(sn));
            return new Action.Wait(PLACEHOLDER, null, null, null, null);
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
        Duration interval = duration(w, "interval", "wait.interval");
        return new Action.Wait(null, expression(w, "until"), w.text("run"), positive(w, "timeout", "wait.timeout"),
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
