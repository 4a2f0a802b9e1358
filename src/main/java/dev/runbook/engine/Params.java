package dev.runbook.engine;

import dev.runbook.expr.Secret;
import dev.runbook.load.ParamReader;
import dev.runbook.model.Diagnostic;
import dev.runbook.model.InvalidInputException;
import dev.runbook.model.Param;
import dev.runbook.model.Runbook;
import dev.runbook.model.SourcePos;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts given params to their declared types; every missing, unknown or invalid one is exit 2. */
public final class Params {
    private Params() {}

    /**
     * @param given raw values: strings from {@code -p}, or rendered values from a calling step
     * @throws InvalidInputException listing every problem, before anything runs
     */
    public static Map<String, Object> resolve(Runbook rb, Map<String, ?> given, Map<String, Secret> callerSecrets, Masker masker) {
        List<Diagnostic> problems = new ArrayList<>();
        SourcePos where = new SourcePos(rb.path() == null ? rb.name() : dev.runbook.load.RunbookLoader.label(rb.path()),
                rb.pos().line(), rb.pos().col());
        for (String k : given.keySet()) {
            if (!rb.params().containsKey(k)) {
                String hint = dev.runbook.load.DidYouMean.suggest(k, rb.params().keySet());
                problems.add(Diagnostic.error(where, "runbook '" + rb.name() + "' has no param '" + k + "'"
                        + (rb.params().isEmpty() ? " (it takes none)" : "; it takes " + String.join(", ", rb.params().keySet())),
                        hint == null ? null : "did you mean '" + hint + "'?"));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Param p : rb.params().values()) {
            Object raw = given.get(p.name());
            if (raw == null) {
                if (p.defaultValue() == null && p.required()) {
                    problems.add(Diagnostic.error(p.pos(), "param '" + p.name() + "' is required: give -p " + p.name() + "=..."
                            + (p.description() == null ? "" : " (" + p.description() + ")")));
                }
                out.put(p.name(), accept(p, p.defaultValue(), masker, p.secret()));
                continue;
            }
            // a secret a calling step hands down stays one, whatever the param is declared as
            boolean secret = p.secret() || raw instanceof Secret || raw instanceof List<?> l && l.stream().anyMatch(Secret.class::isInstance);
            try {
                Object value = raw instanceof List<?> l ? l.stream().map(Params::revealed).toList() : revealed(raw);
                if (secret) {
                    (value instanceof List<?> l ? l : List.of(value)).forEach(v -> masker.add(String.valueOf(v)));
                }
                Object converted = ParamReader.convert(p.type(), value, p.values(), p.pattern());
                String empty = p.refusesEmpty(converted);
                if (empty != null) {
                    problems.add(Diagnostic.error(p.pos(), "param '" + p.name() + "' " + empty));
                    continue;
                }
                out.put(p.name(), accept(p, converted, masker, secret));
            } catch (IllegalArgumentException e) {
                String shown = secret ? "" : " " + e.getMessage();
                problems.add(Diagnostic.error(p.pos(), "param '" + p.name() + "' (" + p.type().yamlName() + "):" + (shown.isEmpty() ? " invalid value" : shown)));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems.stream().map(d -> new Diagnostic(d.severity(), d.pos(), masker.mask(d.message()), d.hint())).toList());
        }
        return out;
    }

    private static String revealed(Object x) {
        return x instanceof Secret s ? s.reveal() : String.valueOf(x);
    }

    /**
     * A value given or defaulted, on one path: a secret param's value is masked in every output and
     * travels as a {@link Secret}, wherever it came from.
     */
    private static Object accept(Param p, Object value, Masker masker, boolean secret) {
        if (secret && value != null) {
            if (value instanceof List<?> items) {
                items.forEach(i -> masker.add(String.valueOf(i)));
            } else {
                masker.add(value instanceof java.time.Duration d ? dev.runbook.load.Durations.format(d) : String.valueOf(value));
            }
        }
        return secret ? secret(p, value) : value;
    }

    /**
     * A secret's text becomes a {@link Secret}, as a value of {@code secrets:} is: spliced into a
     * command it travels in an environment variable, never on the process's command line, and
     * anything made from it in an expression shows {@code ****}. So do the items of a list.
     */
    private static Object secret(Param p, Object value) {
        if (value instanceof List<?> items) {
            return items.stream().map(i -> secret(p, i)).toList();
        }
        return value instanceof String s ? Secret.param(p.name(), s) : value;
    }
}
