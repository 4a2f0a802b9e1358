package dev.runbook.load;

import dev.runbook.model.Action;
import dev.runbook.model.Text;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads the {@code http:} and {@code websocket:} step kinds; a URL written out is checked now. */
final class NetworkSteps {
    private static final Set<String> HTTP_KEYS = Set.of("url", "method", "headers", "body", "json",
            "expect_status", "timeout", "verify_tls", "ca_file", "follow_redirects", "form", "files");
    private static final Set<String> WEBSOCKET_KEYS = Set.of("url", "headers", "send", "expect", "timeout",
            "verify_tls", "ca_file");
    private static final Set<String> EXPECT_KEYS = Set.of("json", "text", "any");

    private final YamlReader y;
    private final StepFields f;

    NetworkSteps(YamlReader y, StepFields f) {
        this.y = y;
        this.f = f;
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

    Action.Http http(Node n) {
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
                h.has("json") ? y.value(h.get("json")) : null, statuses, f.positive(h, "timeout", "http.timeout"),
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

    Action.WebSocket websocket(Node n) {
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
        Duration timeout = f.positive(w, "timeout", "websocket.timeout");
        checkUrl(w.text("url"), "ws", "wss");
        return new Action.WebSocket(w.text("url"), headers, send, expectJson, expectText,
                timeout == null ? Duration.ofSeconds(10) : timeout, w.bool("verify_tls", true), w.text("ca_file"));
    }
}
