package dev.runbook.engine;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.Templates;
import dev.runbook.load.Durations;
import dev.runbook.model.Action;
import dev.runbook.model.Step;
import dev.runbook.model.Text;
import java.time.Duration;
import java.util.Map;

/**
 * Renders a step's durations that were written as templates ({@code timeout: "{{ params.grace }}"}),
 * giving the step as it runs on this host. A duration param, or text such as {@code 30s}, is valid.
 */
final class DurationTemplates {
    private DurationTemplates() {}

    /** @throws ExprException when a template fails or gives no valid duration */
    static Step apply(Step step, Map<String, Object> scope) {
        if (step.durations().isEmpty()) {
            return step;
        }
        Map<String, Text> t = step.durations();
        Duration timeout = get(t, "timeout", scope, step.timeout());
        Step.Retry r = step.retry();
        Step.Retry retry = new Step.Retry(r.attempts(), get(t, "retry.delay", scope, r.delay()), r.backoff(),
                get(t, "retry.max_delay", scope, r.maxDelay()), r.until());
        Action a = step.action();
        if (a instanceof Action.Http h) {
            a = new Action.Http(h.url(), h.method(), h.headers(), h.body(), h.json(), h.expectStatus(),
                    get(t, "http.timeout", scope, h.timeout()), h.verifyTls(), h.caFile(), h.followRedirects(), h.form(), h.files());
        } else if (a instanceof Action.WebSocket w) {
            a = new Action.WebSocket(w.url(), w.headers(), w.send(), w.expectJson(), w.expectText(),
                    get(t, "websocket.timeout", scope, w.timeout()), w.verifyTls(), w.caFile());
        } else if (a instanceof Action.Wait w) {
            a = new Action.Wait(get(t, "wait", scope, w.duration()), w.until(), w.untilCommand(),
                    get(t, "wait.timeout", scope, w.timeout()), get(t, "wait.interval", scope, w.interval()));
        } else if (a instanceof Action.Sql q) {
            a = new Action.Sql(q.statement(), q.database(), get(t, "statement_timeout", scope, q.statementTimeout()), q.transaction());
        }
        return new Step(step.id(), step.name(), a, step.when(), step.gate(), step.check(), retry, timeout, step.onFailure(),
                step.loop(), step.readonly(), step.targets(), step.fanOut(), step.become(), step.parseJson(), Map.of(), step.pos());
    }

    private static Duration get(Map<String, Text> templates, String field, Map<String, Object> scope, Duration fallback) {
        Text template = templates.get(field);
        if (template == null) {
            return fallback;
        }
        Object v = Templates.value(template, scope);
        if (v instanceof Duration d) {
            return d;
        }
        try {
            Duration d = Durations.parse(String.valueOf(v));
            if (d.isZero() && !field.startsWith("retry") && !field.equals("wait")) {
                throw new ExprException(template.posAt(0), "'" + field + "' must be longer than 0s");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new ExprException(template.posAt(0), "'" + field + "': " + e.getMessage());
        }
    }
}
