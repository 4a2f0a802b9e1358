package dev.runbook.load;

import dev.runbook.expr.ExprException;
import dev.runbook.expr.Expressions;
import dev.runbook.expr.Functions;
import dev.runbook.expr.TemplateParts;
import dev.runbook.model.Action;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.Param;
import dev.runbook.model.Runbook;
import dev.runbook.model.Step;
import dev.runbook.model.Text;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The second pass over a runbook: every expression and template is parsed and every name it uses
 * is resolved (params, vars, secrets, earlier steps, functions), so a typo fails before anything
 * runs. Checking stays apart from reading, as the resolver stays apart from the parser in jlox.
 */
final class RunbookValidator {
    private final Runbook rb;
    private final List<Diagnostic> out;
    private final Map<String, Integer> order = new HashMap<>();
    private Set<String> outsideVars = Set.of();
    private int index;

    /** What an expression may see at the point it is written. */
    private record Scope(int stepIndex, Set<String> loopVars, boolean self, boolean result) {
        Scope withSelf() {
            return new Scope(stepIndex, loopVars, true, true);
        }

        Scope withLoop(String var) {
            Set<String> vars = new HashSet<>(loopVars);
            vars.add(var);
            vars.add("loop");
            return new Scope(stepIndex, vars, self, result);
        }
    }

    RunbookValidator(Runbook rb, List<Diagnostic> out) {
        this.rb = rb;
        this.out = out;
    }

    void validate() {
        numberSteps();
        outsideVars = OutsideText.vars(rb.vars());
        Scope top = new Scope(-1, Set.of(), false, false);
        rb.vars().forEach((k, v) -> deep(v, top, true));
        VarOrder.check(rb.vars(), out);
        if (rb.targets() != null) {
            template(rb.targets(), top);
        }
        index = 0;
        steps(rb.steps(), Set.of());
        steps(rb.finallySteps(), Set.of());
    }

    private void numberSteps() {
        Map<String, Step> seen = new HashMap<>();
        int[] i = {0};
        dev.runbook.model.Steps.walk(rb.steps(), s -> number(s, seen, i));
        dev.runbook.model.Steps.walk(rb.finallySteps(), s -> number(s, seen, i));
    }

    private void number(Step s, Map<String, Step> seen, int[] i) {
        Step first = seen.putIfAbsent(s.id(), s);
        if (first != null && !s.id().equals("?")) {
            out.add(Diagnostic.error(s.pos(), "duplicate step id '" + s.id() + "' (first at line " + first.pos().line() + ")"));
        }
        order.putIfAbsent(s.id(), i[0]++);
    }

    private void steps(List<Step> steps, Set<String> loopVars) {
        for (Step s : steps) {
            step(s, loopVars);
        }
    }

    private void step(Step s, Set<String> inherited) {
        Scope scope = new Scope(index++, inherited, false, false);
        if (s.loop() != null) {
            loop(s.loop(), scope);
            scope = scope.withLoop(s.loop().var());
        }
        if (s.when() != null) {
            expression(s.when(), scope);
        }
        if (s.gate() != null) {
            template(s.gate().prompt(), scope);
            if (s.gate().word() != null) {
                template(s.gate().word(), scope);
            }
        }
        if (s.targets() != null) {
            template(s.targets(), scope);
        }
        if (s.become() != null) {
            template(s.become().user(), scope);
            if (s.become().passwordSecret() != null && !rb.secrets().containsKey(s.become().passwordSecret())) {
                out.add(Diagnostic.error(s.pos(), "become password names an unknown secret '" + s.become().passwordSecret() + "'"));
            }
        }
        action(s, scope);
        for (Text t : s.durations().values()) {
            template(t, scope);
        }
        Scope self = scope.withSelf();
        if (s.check() instanceof Step.CommandCheck c) {
            shell(c.command(), self);
        } else if (s.check() instanceof Step.AssertCheck a) {
            expression(a.expr(), self);
        }
        if (s.retry().until() != null) {
            expression(s.retry().until(), self);
        }
        if (s.onFailure() instanceof Step.Handle h) {
            steps(h.steps(), scope.loopVars());
        }
    }

    private void action(Step s, Scope scope) {
        Action a = s.action();
        if (a instanceof Action.Run r) {
            shell(r.command(), scope);
        } else if (a instanceof Action.Script sc) {
            shell(sc.body(), scope);
        } else if (a instanceof Action.Sql q) {
            template(q.statement(), scope);
            if (q.database() != null) {
                template(q.database(), scope);
            }
        } else if (a instanceof Action.Assert as) {
            expression(as.expr(), scope);
            if (as.message() != null) {
                template(as.message(), scope);
            }
        } else if (a instanceof Action.Wait w) {
            if (w.until() != null) {
                expression(w.until(), scope);
            }
            if (w.untilCommand() != null) {
                shell(w.untilCommand(), scope);
            }
        } else if (a instanceof Action.Http h) {
            template(h.url(), scope);
            h.headers().values().forEach(v -> template(v, scope));
            if (h.body() != null) {
                template(h.body(), scope);
            }
            deep(h.json(), scope, false);
            h.form().values().forEach(v -> template(v, scope));
            h.files().values().forEach(v -> template(v, scope));
            if (h.caFile() != null) {
                template(h.caFile(), scope);
            }
        } else if (a instanceof Action.WebSocket ws) {
            template(ws.url(), scope);
            ws.headers().values().forEach(v -> template(v, scope));
            ws.send().forEach(v -> deep(v, scope, false));
            if (ws.caFile() != null) {
                template(ws.caFile(), scope);
            }
        } else if (a instanceof Action.Call c) {
            c.params().values().forEach(v -> deep(v, scope, false));
        } else if (a instanceof Action.Block b) {
            steps(b.steps(), scope.loopVars());
            steps(b.rescue(), scope.loopVars());
            steps(b.always(), scope.loopVars());
        }
    }

    private void loop(Step.Loop loop, Scope scope) {
        if (loop.literal() != null) {
            loop.literal().forEach(v -> deep(v, scope, false));
            return;
        }
        template(loop.items(), scope);
        String inner = loop.items().value().strip();
        inner = inner.substring(2, inner.length() - 2).strip();
        Object known = null;
        String what = null;
        if (inner.matches("vars\\.[A-Za-z_][A-Za-z0-9_]*")) {
            what = inner;
            known = rb.vars().get(inner.substring(5));
            if (known != null && !(known instanceof List<?>) && !(known instanceof Text t && t.isTemplate())) {
                out.add(Diagnostic.error(loop.items().posAt(0), "'loop' needs a list, but " + what + " is not one"));
            }
        } else if (inner.matches("params\\.[a-z_][a-z0-9_]*")) {
            Param p = rb.params().get(inner.substring(7));
            if (p != null && p.type() != Param.ParamType.LIST) {
                out.add(Diagnostic.error(loop.items().posAt(0), "'loop' needs a list, but " + inner + " is of type "
                        + p.type().yamlName()));
            }
        }
    }

    private void deep(Object value, Scope scope, boolean isVar) {
        if (value instanceof Text t) {
            if (isVar && t.value().contains("secrets.")) {
                out.add(Diagnostic.error(t.pos(), "vars cannot hold secrets; use secrets.NAME where the value is needed"));
            }
            template(t, scope);
        } else if (value instanceof Map<?, ?> m) {
            m.values().forEach(v -> deep(v, scope, isVar));
        } else if (value instanceof List<?> l) {
            l.forEach(v -> deep(v, scope, isVar));
        }
    }

    private void template(Text t, Scope scope) {
        if (t == null || !t.value().contains("{{")) {
            return;
        }
        try {
            for (TemplateParts.Part p : TemplateParts.split(t)) {
                if (p.expression()) {
                    analyze(p.text(), t, p.offset(), scope);
                }
            }
        } catch (ExprException e) {
            out.add(Diagnostic.error(e.pos(), e.getMessage()));
        }
    }

    /** A template that becomes shell text: its names, and where each value lands in it. */
    private void shell(Text t, Scope scope) {
        template(t, scope);
        ShellTemplates.check(t, rb.params(), out);
    }

    private void expression(Text t, Scope scope) {
        if (t == null) {
            return;
        }
        try {
            analyze(t.value(), t, 0, scope);
        } catch (ExprException e) {
            out.add(Diagnostic.error(e.pos(), e.getMessage()));
        }
    }

    private void analyze(String expr, Text origin, int offset, Scope scope) {
        Expressions.Analysis a = Expressions.analyze(expr, origin, offset);
        boolean dynamic = a.references().stream().anyMatch(r -> OutsideText.reads(r, outsideVars));
        for (Expressions.Call call : a.functions()) {
            call(call, dynamic, origin, offset);
        }
        for (List<String> ref : a.references()) {
            reference(ref, origin, offset, expr, scope);
        }
    }

    private void call(Expressions.Call call, boolean dynamic, Text origin, int offset) {
        if (call.name().equals("raw")) {
            // configuration (vars, inventory host vars) is as trusted as the runbook; input and output are not
            if (dynamic) {
                out.add(Diagnostic.warning(origin.posAt(offset + call.offset()),
                        "raw() splices text unquoted, here from params or step output: make sure it cannot carry shell syntax"));
            }
        }
        if (Functions.NAMES.contains(call.name())) {
            Functions.Arity arity = Functions.arity(call.name());
            if (arity != null && !arity.accepts(call.arguments())) {
                out.add(Diagnostic.error(origin.posAt(offset + call.offset()), call.name() + "() takes " + arity
                        + " argument" + (arity.max() == 1 ? "" : "s") + ", not " + call.arguments()));
            }
        } else {
            String hint = DidYouMean.suggest(call.name(), Functions.NAMES);
            out.add(Diagnostic.error(origin.posAt(offset + call.offset()), "unknown function '" + call.name() + "()'",
                    hint == null ? null : "did you mean '" + hint + "()'?"));
        }
    }

    private void reference(List<String> ref, Text origin, int offset, String expr, Scope scope) {
        String root = ref.get(0);
        String second = ref.size() > 1 ? ref.get(1) : null;
        int at = offset + Math.max(0, expr.indexOf(root + (second == null ? "" : "." + second)));
        if (at - offset < 0 || expr.indexOf(root) < 0) {
            at = offset;
        }
        var pos = origin.posAt(at);
        if (scope.loopVars().contains(root)) {
            return;
        }
        switch (root) {
            case "params" -> known(second, rb.params().keySet(), "param", pos);
            case "vars" -> known(second, rb.vars().keySet(), "var", pos);
            case "secrets" -> known(second, rb.secrets().keySet(), "secret", pos);
            case "steps" -> stepRef(second, pos, scope);
            case "host", "run", "runbook" -> { }
            case "result" -> {
                if (!scope.result()) {
                    out.add(Diagnostic.error(pos, "'result' is only known in 'check' and 'retry.until'"));
                }
            }
            case "item", "loop" -> out.add(Diagnostic.error(pos, "'" + root + "' is only known in a step with 'loop'"));
            default -> {
                if (dev.runbook.expr.Functions.NAMES.contains(root)) {
                    out.add(Diagnostic.error(pos, "'" + root + "' is a function, not a name",
                            "write " + root + "(x); filters such as 'x | " + root + "' are not supported"));
                    return;
                }
                Set<String> roots = new HashSet<>(Expressions.ROOTS);
                roots.addAll(scope.loopVars());
                String hint = DidYouMean.suggest(root, roots);
                out.add(Diagnostic.error(pos, "unknown name '" + root + "'; expressions see params, vars, secrets, steps, host, run and runbook",
                        hint == null ? null : "did you mean '" + hint + "'?"));
            }
        }
    }

    private void known(String name, Set<String> names, String what, dev.runbook.model.SourcePos pos) {
        if (name == null || names.contains(name)) {
            return;
        }
        String hint = DidYouMean.suggest(name, names);
        out.add(Diagnostic.error(pos, "unknown " + what + " '" + name + "'",
                hint == null ? null : "did you mean '" + hint + "'?"));
    }

    private void stepRef(String id, dev.runbook.model.SourcePos pos, Scope scope) {
        if (id == null) {
            return;
        }
        Integer target = order.get(id);
        if (target == null) {
            String hint = DidYouMean.suggest(id, order.keySet());
            out.add(Diagnostic.error(pos, "no step with id '" + id + "'", hint == null ? null : "did you mean '" + hint + "'?"));
        } else if (target > scope.stepIndex() || (target == scope.stepIndex() && !scope.self())) {
            out.add(Diagnostic.error(pos, "step '" + id + "' has not run yet at this point; a step can only use the results of earlier steps"));
        }
    }
}
