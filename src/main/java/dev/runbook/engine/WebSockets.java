package dev.runbook.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runbook.expr.ExprException;
import dev.runbook.expr.Functions;
import dev.runbook.expr.JsonValues;
import dev.runbook.expr.Secret;
import dev.runbook.expr.Templates;
import dev.runbook.exec.WebSocketResult;
import dev.runbook.exec.WebSocketRunner;
import dev.runbook.exec.WebSocketSpec;
import dev.runbook.model.Action;
import dev.runbook.model.Text;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The {@code websocket} step: renders the probe, runs it, and turns what it saw into a result
 * whose fields let later rules tell "cannot connect" from "connected but silent" from "no match":
 * {@code connected}, {@code messages}, {@code message_count}, {@code first_message_ms}, {@code matched}.
 */
final class WebSockets {
    private static final WebSocketRunner RUNNER = new WebSocketRunner();

    private WebSockets() {}

    static Actions.Prepared prepare(RunContext ctx, Action.WebSocket ws, Map<String, Object> scope) {
        String url = Templates.render(ws.url(), scope, Templates.Mode.URL).text();
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, String> shown = new LinkedHashMap<>();
        for (Map.Entry<String, Text> e : ws.headers().entrySet()) {
            String v = Templates.plain(e.getValue(), scope);
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                throw new ExprException(e.getValue().pos(), "header '" + e.getKey() + "' would contain a line break");
            }
            headers.put(e.getKey(), v);
            shown.put(e.getKey(), Templates.display(e.getValue(), scope));
        }
        List<String> send = new ArrayList<>();
        List<String> shownSend = new ArrayList<>();
        for (Object m : ws.send()) {
            Object message = Templates.data(m, scope);
            send.add(message instanceof Secret s ? s.reveal() : message instanceof String s ? s : JsonValues.revealedJson(message));
            shownSend.add(Functions.str(message));
        }
        Predicate<String> matches = matcher(ws, scope);
        String expect = ws.expectJson() != null ? "a JSON message with " + JsonValues.forJson(Templates.data(ws.expectJson(), scope))
                : ws.expectText() != null ? "a message matching /" + ws.expectText().value() + "/" : "any message";
        String display = ctx.masker.mask("WEBSOCKET " + Templates.shown(ws.url(), scope, Templates.Mode.URL).text()
                + (shown.isEmpty() ? "" : " " + shown) + (shownSend.isEmpty() ? "" : " send " + shownSend)
                + ", wait up to " + ws.timeout().toMillis() + " ms for " + expect);
        Path ca = Actions.caFile(ws.caFile(), scope);
        WebSocketSpec spec = new WebSocketSpec(url, headers, send, matches, ctx.bound(ws.timeout()), ws.verifyTls(), ca);
        return new Actions.Prepared("websocket", display, ws.timeout(), cancel -> result(ctx, RUNNER.probe(spec, cancel), expect, ws));
    }

    private static Predicate<String> matcher(Action.WebSocket ws, Map<String, Object> scope) {
        if (ws.expectText() != null) {
            Pattern p = Pattern.compile(Templates.plain(ws.expectText(), scope));
            return m -> p.matcher(m).find();
        }
        if (ws.expectJson() != null) {
            @SuppressWarnings("unchecked")
            Map<String, Object> want = (Map<String, Object>) Templates.deepValue(ws.expectJson(), scope);
            return m -> {
                try {
                    JsonNode n = dev.runbook.expr.Json.mapper().readTree(m);
                    if (!n.isObject()) {
                        return false;
                    }
                    for (Map.Entry<String, Object> e : want.entrySet()) {
                        Object got = JsonValues.toPlain(n.get(e.getKey()));
                        if (!Objects.equals(String.valueOf(got), String.valueOf(e.getValue()))) {
                            return false;
                        }
                    }
                    return true;
                } catch (java.io.IOException e) {
                    return false;
                }
            };
        }
        return m -> true;
    }

    private static StepResult result(RunContext ctx, WebSocketResult r, String expect, Action.WebSocket ws) {
        Map<String, Object> fields = new LinkedHashMap<>();
        List<Object> messages = new ArrayList<>();
        for (String m : r.messages()) {
            messages.add(parse(ctx.masker.mask(m)));
        }
        fields.put("connected", r.connected());
        fields.put("messages", messages);
        fields.put("message_count", r.messages().size());
        fields.put("first_message_ms", r.firstMessageMs() < 0 ? null : r.firstMessageMs());
        fields.put("matched", r.matched());
        fields.put("output", r.matchedMessage() == null ? null : parse(ctx.masker.mask(r.matchedMessage())));
        fields.put("close_code", r.closeCode());
        fields.put("error", r.error() == null ? null : ctx.masker.mask(r.error()));
        if (!r.connected()) {
            return StepResult.failed("cannot connect: " + ctx.masker.mask(r.error()), fields, r.durationMs());
        }
        if (r.matched()) {
            return StepResult.ok(fields, r.durationMs());
        }
        String why = r.messages().isEmpty()
                ? "connected, but no message within " + ws.timeout().toMillis() + " ms"
                : "connected, " + r.messages().size() + " message(s), but none was " + expect + " within " + ws.timeout().toMillis() + " ms";
        if (r.error() != null) {
            why += " (" + ctx.masker.mask(r.error()) + ")";
        } else if (r.closeCode() != null) {
            why += " (closed by the server: " + r.closeCode() + ")";
        }
        return StepResult.of(StepResult.Outcome.FAILED, why, fields, r.durationMs());
    }

    private static Object parse(String m) {
        try {
            JsonNode n = dev.runbook.expr.Json.mapper().readTree(m);
            return n.isContainerNode() ? JsonValues.toPlain(n) : m;
        } catch (java.io.IOException e) {
            return m;
        }
    }
}
