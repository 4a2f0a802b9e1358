package dev.runbook.engine;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.Functions;
import dev.runbook.expr.JsonValues;
import dev.runbook.expr.Secret;
import dev.runbook.expr.Templates;
import dev.runbook.exec.Cancellation;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.ExecResult;
import dev.runbook.exec.HttpRequestSpec;
import dev.runbook.exec.HttpResult;
import dev.runbook.exec.UnreachableException;
import dev.runbook.load.Durations;
import dev.runbook.model.Action;
import dev.runbook.model.Step;
import dev.runbook.model.Target;
import dev.runbook.model.Text;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders and runs the actions that happen on one host: {@code run}, {@code script},
 * {@code assert}, {@code wait}, {@code confirm}, {@code http}, {@code sql}. Rendering comes first so the
 * exact command is on record ({@code step.started}) before it runs.
 */
final class Actions {

    /**
     * An action rendered for a host: what it will do, in words, and the doing of it.
     *
     * @param limit   the action's own time limit, before the run's deadline bounds it; null for none
     * @param problem why it would fail, known without doing it (a plan shows it), or null
     */
    record Prepared(String kind, String display, Duration limit, Execution execution, String problem) {
        Prepared(String kind, String display, Execution execution) {
            this(kind, display, null, execution, null);
        }

        Prepared(String kind, String display, Duration limit, Execution execution) {
            this(kind, display, limit, execution, null);
        }
    }

    @FunctionalInterface
    interface Execution {
        StepResult run(Cancellation cancel);
    }

    private final RunContext ctx;

    Actions(RunContext ctx) {
        this.ctx = ctx;
    }

    static String kind(Action a) {
        if (a instanceof Action.Run) {
            return "run";
        } else if (a instanceof Action.Script) {
            return "script";
        } else if (a instanceof Action.Assert) {
            return "assert";
        } else if (a instanceof Action.Wait) {
            return "wait";
        } else if (a instanceof Action.Confirm) {
            return "confirm";
        } else if (a instanceof Action.Http) {
            return "http";
        } else if (a instanceof Action.Call) {
            return "runbook";
        } else if (a instanceof Action.Block) {
            return "block";
        } else if (a instanceof Action.Sql) {
            return "sql";
        } else if (a instanceof Action.WebSocket) {
            return "websocket";
        }
        throw new IllegalArgumentException("unknown action " + a);
    }

    /** @throws ExprException when a template cannot be rendered */
    Prepared prepare(Step step, Target host, Map<String, Object> scope, Frame frame) {
        Action a = step.action();
        String stepName = frame.eventStep(step.id());
        if (a instanceof Action.Run r) {
            Templates.Rendered cmd = Templates.render(r.command(), scope, Templates.Mode.SHELL);
            return command(step, host, frame, stepName, cmd, false, r.shell(), scope);
        } else if (a instanceof Action.Script s) {
            Templates.Rendered body = Templates.render(s.body(), scope, Templates.Mode.SHELL);
            return command(step, host, frame, stepName, body, true, s.shell(), scope);
        } else if (a instanceof Action.Assert as) {
            return new Prepared("assert", as.expr().value(), c -> assertion(as, scope));
        } else if (a instanceof Action.Wait w) {
            return waitFor(step, w, host, scope, frame, stepName);
        } else if (a instanceof Action.Confirm) {
            return new Prepared("confirm", step.gate() == null ? "" : Templates.display(step.gate().prompt(), scope),
                    c -> StepResult.ok(Map.of(), 0));
        } else if (a instanceof Action.Http h) {
            return http(step, h, scope);
        } else if (a instanceof Action.Sql q) {
            return sql(step, q, host, scope);
        } else if (a instanceof Action.WebSocket ws) {
            return WebSockets.prepare(ctx, ws, scope);
        }
        throw new IllegalArgumentException("not a host action: " + kind(a));
    }

    /** Who a command runs as: the step's {@code become}, else the inventory's {@code ansible_become*}; null for the login user. */
    record Elevation(String user, String password) {}

    Elevation elevation(Step step, Target host, Frame frame, Map<String, Object> scope) {
        if (step.become() != null) {
            String password = null;
            if (step.become().passwordSecret() != null) {
                Secret s = frame.secrets().get(step.become().passwordSecret());
                password = s == null ? null : s.reveal();
            }
            return new Elevation(Templates.plain(step.become().user(), scope), password);
        }
        Object become = host.vars().get("ansible_become");
        if (become == null || !dev.runbook.expr.Functions.bool(become)) {
            return null;
        }
        Object user = host.vars().getOrDefault("ansible_become_user", "root");
        Object password = host.vars().getOrDefault("ansible_become_password", host.vars().get("ansible_become_pass"));
        if (password != null) {
            ctx.masker.add(String.valueOf(password));
        }
        return new Elevation(String.valueOf(user), password == null ? null : String.valueOf(password));
    }

    /** A command for this step on this host: its timeout bounded by the run's deadline, run as the step's user. */
    Command command(String line, Map<String, String> env, java.time.Duration timeout, Elevation as) {
        return new Command(line, false, null, env, ctx.bound(timeout), as == null ? null : as.user(), as == null ? null : as.password());
    }

    private Prepared command(Step step, Target host, Frame frame, String stepName, Templates.Rendered rendered,
                             boolean script, String shell, Map<String, Object> scope) {
        Elevation as = elevation(step, host, frame, scope);
        String display = ctx.masker.mask(rendered.text());
        return new Prepared(script ? "script" : "run", display, step.timeout(), cancel -> {
            Command cmd = new Command(rendered.text(), script, shell, rendered.env(), ctx.bound(step.timeout()),
                    as == null ? null : as.user(), as == null ? null : as.password());
            return runCommand(host, stepName, cmd, step.parseJson(), cancel);
        });
    }

    StepResult runCommand(Target host, String stepName, Command cmd, boolean parseJson, Cancellation cancel) {
        CommandRunner runner;
        try {
            runner = ctx.runner(host, cancel);
        } catch (UnreachableException e) {
            if (cancel.isCancelled()) {
                return StepResult.of(StepResult.Outcome.CANCELLED, "interrupted (" + cancel.reason() + ") while connecting",
                        Map.of(), 0);
            }
            if (e instanceof dev.runbook.exec.ssh.HostKeyRejectedException rejected) {
                ctx.hostKeyRejected(host, rejected);
            }
            return StepResult.of(StepResult.Outcome.UNREACHABLE, ctx.masker.mask(e.getMessage()), Map.of(), 0);
        }
        ExecResult r;
        try {
            r = runner.run(cmd, (stream, line) -> ctx.listener.output(host.name(), stepName, stream, ctx.masker.mask(line)), cancel);
        } catch (UnreachableException e) {
            return StepResult.of(StepResult.Outcome.UNREACHABLE, ctx.masker.mask(e.getMessage()), Map.of(), 0);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        String stdout = stripNewline(ctx.masker.mask(r.stdout()));
        fields.put("exit_code", r.exitCode());
        fields.put("stdout", stdout);
        fields.put("stderr", stripNewline(ctx.masker.mask(r.stderr())));
        fields.put("truncated", r.truncated());
        if (r.timedOut()) {
            return StepResult.of(StepResult.Outcome.TIMED_OUT, "timed out after " + Durations.elapsed(cmd.timeout().toMillis())
                    + "; its processes were killed", fields, r.durationMs());
        }
        if (r.cancelled()) {
            return StepResult.of(StepResult.Outcome.CANCELLED, "interrupted (" + cancel.reason() + ")", fields, r.durationMs());
        }
        if (r.exitCode() != 0) {
            return StepResult.failed(exitMessage(r.exitCode(), (String) fields.get("stderr")), fields, r.durationMs());
        }
        StepResult ok = StepResult.ok(fields, r.durationMs());
        return parseJson ? parsed(ok, stdout) : ok;
    }

    static String exitMessage(int exit, String stderr) {
        String last = stderr == null ? "" : stderr.strip().lines().reduce((a, b) -> b).orElse("");
        if (last.length() > 200) {
            last = last.substring(0, 200) + "...";
        }
        return "exit code " + exit + (last.isEmpty() ? "" : ": " + last);
    }

    static StepResult parsed(StepResult r, String text) {
        try {
            return r.withField("output", dev.runbook.expr.Json.parse(text));
        } catch (java.io.IOException e) {
            return r.withOutcome(StepResult.Outcome.FAILED, "output is not JSON (parse: json): " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private StepResult assertion(Action.Assert as, Map<String, Object> scope) {
        boolean holds = Expressions.test(as.expr(), scope);
        if (holds) {
            return StepResult.ok(Map.of(), 0);
        }
        String msg = as.message() != null ? Templates.display(as.message(), scope) : "assertion failed: " + as.expr().value();
        return StepResult.failed(ctx.masker.mask(msg), Map.of(), 0);
    }

    private Prepared waitFor(Step step, Action.Wait w, Target host, Map<String, Object> scope, Frame frame, String stepName) {
        if (w.duration() != null) {
            return new Prepared("wait", Durations.format(w.duration()), w.duration(), cancel -> {
                long start = System.nanoTime();
                Duration pause = ctx.bound(w.duration());
                boolean slept = cancel.sleep(pause.toMillis());
                long ms = (System.nanoTime() - start) / 1_000_000;
                if (!slept) {
                    return StepResult.of(StepResult.Outcome.CANCELLED, "interrupted (" + cancel.reason() + ")", Map.of(), ms);
                }
                // a pause the deadline cut short did not wait as long as it says
                return pause.compareTo(w.duration()) < 0 ? StepResult.of(StepResult.Outcome.TIMED_OUT,
                        "cut short after " + Durations.elapsed(ms), Map.of(), ms) : StepResult.ok(Map.of(), ms);
            });
        }
        String what = w.until() != null ? "until " + w.until().value()
                : "until `" + ctx.masker.mask(Templates.shown(w.untilCommand(), scope, Templates.Mode.SHELL).text()) + "` succeeds";
        String display = what + " (at most " + Durations.format(w.timeout()) + ", every " + Durations.format(w.interval()) + ")";
        Elevation as = w.untilCommand() == null ? null : elevation(step, host, frame, scope);
        return new Prepared("wait", display, w.timeout(), cancel -> {
            long start = System.nanoTime();
            long end = start + ctx.bound(w.timeout()).toNanos();
            int polls = 0;
            StepResult last = null;
            while (true) {
                polls++;
                if (w.until() != null) {
                    if (Expressions.test(w.until(), scope)) {
                        return StepResult.ok(Map.of("polls", polls), (System.nanoTime() - start) / 1_000_000);
                    }
                } else {
                    Templates.Rendered r = Templates.render(w.untilCommand(), scope, Templates.Mode.SHELL);
                    Duration each = Duration.ofNanos(Math.max(1_000_000, end - System.nanoTime()));
                    last = runCommand(host, stepName, command(r.text(), r.env(), each, as), false, cancel);
                    if (last.ok()) {
                        return last.withField("polls", polls).withDuration((System.nanoTime() - start) / 1_000_000);
                    }
                    if (last.outcome() == StepResult.Outcome.UNREACHABLE) {
                        return last;
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0 || cancel.isCancelled()) {
                    break;
                }
                if (!cancel.sleep(Math.min(w.interval().toMillis(), left / 1_000_000 + 1))) {
                    break;
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (cancel.isCancelled()) {
                return StepResult.of(StepResult.Outcome.CANCELLED, "interrupted (" + cancel.reason() + ")", Map.of(), ms);
            }
            Map<String, Object> fields = last == null ? new LinkedHashMap<>() : new LinkedHashMap<>(last.fields());
            fields.put("polls", polls);
            return StepResult.of(StepResult.Outcome.TIMED_OUT, "still not true after " + Durations.format(w.timeout())
                    + " (" + polls + " checks)", fields, ms);
        });
    }

    private Prepared http(Step step, Action.Http h, Map<String, Object> scope) {
        String url = Templates.render(h.url(), scope, Templates.Mode.URL).text();
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, String> shownHeaders = new LinkedHashMap<>();
        for (Map.Entry<String, Text> e : h.headers().entrySet()) {
            String v = Templates.plain(e.getValue(), scope);
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                throw new ExprException(e.getValue().pos(), "header '" + e.getKey() + "' would contain a line break");
            }
            headers.put(e.getKey(), v);
            shownHeaders.put(e.getKey(), Templates.display(e.getValue(), scope));
        }
        Body body = body(h, scope);
        if (h.json() != null) {
            headers.putIfAbsent("Content-Type", "application/json");
            shownHeaders.putIfAbsent("Content-Type", "application/json");
        }
        Map<String, String> form = new LinkedHashMap<>();
        h.form().forEach((k, v) -> form.put(k, Templates.plain(v, scope)));
        Map<String, Path> files = new LinkedHashMap<>();
        Map<String, String> shownFiles = new LinkedHashMap<>();
        h.files().forEach((k, v) -> {
            files.put(k, Path.of(Templates.plain(v, scope)));
            shownFiles.put(k, Templates.display(v, scope));
        });
        String multipart = h.multipart() ? " multipart " + (form.isEmpty() ? "" : form.keySet() + " ") + shownFiles : "";
        String display = ctx.masker.mask(h.method() + " " + Templates.shown(h.url(), scope, Templates.Mode.URL).text()
                + (shownHeaders.isEmpty() ? "" : " " + shownHeaders) + (body == null ? "" : " body=" + body.shown()) + multipart);
        Path ca = caFile(h.caFile(), scope);
        Duration limit = h.timeout() != null ? h.timeout() : step.timeout();
        HttpRequestSpec spec = new HttpRequestSpec(url, h.method(), headers, body == null ? null : body.sent(), ctx.bound(limit), h.verifyTls(),
                ca, h.followRedirects(), form, files);
        return new Prepared("http", display, limit, cancel -> httpResult(h, step, ctx.services.http().send(spec, cancel)));
    }

    /** A request body as sent, and as shown: secrets as {@code ****}, masked, then cut to 200 characters. */
    private record Body(String sent, String shown) {}

    /** The step's {@code body} or {@code json}, or null for neither. */
    private Body body(Action.Http h, Map<String, Object> scope) {
        if (h.body() != null) {
            return new Body(Templates.plain(h.body(), scope), abbreviate(ctx.masker.mask(Templates.display(h.body(), scope))));
        }
        if (h.json() != null) {
            Object json = Templates.data(h.json(), scope);
            return new Body(JsonValues.revealedJson(json), abbreviate(ctx.masker.mask(Functions.to_json(json))));
        }
        return null;
    }

    /** A CA file from a template; empty means none, so inventories may leave it unset. */
    static Path caFile(Text template, Map<String, Object> scope) {
        if (template == null) {
            return null;
        }
        String s = Templates.plain(template, scope).strip();
        return s.isEmpty() ? null : Path.of(s);
    }

    private StepResult httpResult(Action.Http h, Step step, HttpResult r) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("status", r.status());
        fields.put("body", ctx.masker.mask(r.body()));
        fields.put("headers", r.headers());
        fields.put("url_reachable", r.error() == null);
        fields.put("bytes_sent", r.bytesSent());
        fields.put("mb_per_s", r.durationMs() <= 0 ? null : Math.round(r.bytesSent() / 1048.576 / r.durationMs() * 100) / 100.0);
        if (r.error() != null) {
            StepResult.Outcome o = r.timedOut() ? StepResult.Outcome.TIMED_OUT : StepResult.Outcome.FAILED;
            return StepResult.of(o, ctx.masker.mask(r.error()), fields, r.durationMs());
        }
        boolean expected = h.expectStatus().isEmpty() ? r.status() >= 200 && r.status() < 300 : h.expectStatus().contains(r.status());
        if (!expected) {
            return StepResult.failed("HTTP " + r.status() + (h.expectStatus().isEmpty() ? ", expected 2xx" : ", expected " + h.expectStatus()),
                    fields, r.durationMs());
        }
        StepResult ok = StepResult.ok(fields, r.durationMs());
        return step.parseJson() ? parsed(ok, (String) fields.get("body")) : ok;
    }

    private Prepared sql(Step step, Action.Sql q, Target host, Map<String, Object> scope) {
        Templates.Rendered stmt = Templates.render(q.statement(), scope, Templates.Mode.SQL);
        String database = q.database() == null ? null : Templates.plain(q.database(), scope);
        Templates.Rendered shown = Templates.shown(q.statement(), scope, Templates.Mode.SQL);
        String display = ctx.masker.mask(shown.text() + (shown.binds().isEmpty() ? ""
                : "  -- binds: " + shown.binds().stream().map(b -> b instanceof String ? "'" + b + "'" : String.valueOf(b)).toList()));
        Duration limit = q.statementTimeout() != null ? q.statementTimeout() : step.timeout();
        String problem = null;
        if (ctx.dryRun) {
            String why = ctx.services.sql() == null ? "no SQL executor is configured" : ctx.services.sql().problem(host, database);
            problem = why == null ? null : q.statement().pos() + ": " + ctx.masker.mask(why);
        }
        return new Prepared("sql", display, limit, cancel -> {
            if (ctx.services.sql() == null) {
                return StepResult.failed("no SQL executor is configured", Map.of(), 0);
            }
            Duration timeout = ctx.bound(limit);
            StepResult r = ctx.services.sql().execute(host, database, stmt.text(), stmt.binds(), timeout, q.transaction(), cancel);
            @SuppressWarnings("unchecked")
            Map<String, Object> masked = (Map<String, Object>) ctx.masker.maskDeep(r.fields());
            String message = r.message() == null ? null : q.statement().pos() + ": " + ctx.masker.mask(r.message());
            return new StepResult(r.outcome(), r.ok() ? r.message() : message, r.durationMs(), r.attempts(), r.tolerated(),
                    masked, r.items(), r.hosts());
        }, problem);
    }

    private static String stripNewline(String s) {
        if (s == null) {
            return "";
        }
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
