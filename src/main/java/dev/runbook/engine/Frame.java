package dev.runbook.engine;

import dev.runbook.expr.Secret;
import dev.runbook.expr.Templates;
import dev.runbook.model.Runbook;
import dev.runbook.model.Target;
import dev.runbook.model.Text;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One runbook invocation: the top-level run, or a {@code runbook:} call inside it. Holds that
 * runbook's params, secrets and step results; builds the scope expressions see on each host.
 *
 * @param prefix prepended to step ids in events ({@code call-step/}) so calls stay distinct
 */
record Frame(Runbook runbook, Map<String, Object> params, Map<String, Secret> secrets, RunState state,
             String prefix, int depth, Map<String, Object> extra, Map<String, Map<String, Object>> varsCache) {

    static Frame top(Runbook rb, Map<String, Object> params, Map<String, Secret> secrets, java.util.List<String> hosts) {
        return new Frame(rb, params, secrets, new RunState(rb, hosts), "", 0, Map.of(), new ConcurrentHashMap<>());
    }

    Frame call(Runbook callee, Map<String, Object> calleeParams, Map<String, Secret> calleeSecrets, String stepId) {
        return new Frame(callee, calleeParams, calleeSecrets, new RunState(callee, state.hostOrder()), prefix + stepId + "/", depth + 1,
                Map.of(), new ConcurrentHashMap<>());
    }

    /** The same runbook one level deeper (a block's steps), for the plan's indentation. */
    Frame nested() {
        return new Frame(runbook, params, secrets, state, prefix, depth + 1, extra, varsCache);
    }

    /** The same frame with loop variables bound. */
    Frame with(Map<String, Object> more) {
        Map<String, Object> e = new HashMap<>(extra);
        e.putAll(more);
        return new Frame(runbook, params, secrets, state, prefix, depth, e, varsCache);
    }

    String eventStep(String id) {
        return prefix + id;
    }

    /** What expressions see on {@code host}. */
    Map<String, Object> scope(Target host, RunContext ctx) {
        Map<String, Object> scope = new HashMap<>();
        scope.put("params", params);
        scope.put("secrets", secrets);
        Map<String, Object> hostScope = host.toScope();
        hostScope.put("vars", ctx.hostVars(host));
        scope.put("host", hostScope);
        scope.put("run", ctx.runScope());
        scope.put("runbook", runbookScope());
        scope.put("steps", state.scopeFor(host.name(), ctx.dryRun()));
        scope.put("vars", vars(host, scope));
        if (ctx.dryRun()) {
            scope.put(Templates.UNKNOWN_STEPS, state.unknownIds());
        }
        scope.putAll(extra);
        return scope;
    }

    private Map<String, Object> runbookScope() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", runbook.name());
        m.put("file", runbook.path() == null ? null : runbook.path().toAbsolutePath().toString());
        m.put("dir", runbook.path() == null ? null : runbook.path().toAbsolutePath().getParent().toString());
        return m;
    }

    /** Vars rendered for a host, in order, each seeing those before it. Cached per host. */
    private Map<String, Object> vars(Target host, Map<String, Object> scope) {
        Map<String, Object> cached = varsCache.get(host.name());
        if (cached != null) {
            return cached;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        scope.put("vars", out);
        for (Map.Entry<String, Object> e : runbook.vars().entrySet()) {
            out.put(e.getKey(), Templates.deepValue(e.getValue(), scope));
        }
        Map<String, Object> frozen = java.util.Collections.unmodifiableMap(out);
        varsCache.put(host.name(), frozen);
        return frozen;
    }

    static Text text(String s) {
        return Text.of(s);
    }
}
