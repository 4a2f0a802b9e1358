package dev.runbook.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.model.Text;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SandboxTest {
    private final Map<String, Object> scope = Map.of(
            "params", Map.of("name", "web-1", "count", 3L),
            "vars", Map.of("services", List.of("postgresql", "redis")),
            "steps", Map.of("probe", Map.of("ok", true, "stdout", "active", "exit_code", 0)));

    private Object eval(String expr) {
        return Expressions.evaluate(Text.of(expr), scope);
    }

    @Test
    void evaluatesConditionsOverStepResults() {
        assertThat(eval("steps.probe.ok && steps.probe.stdout == 'active'")).isEqualTo(true);
        assertThat(eval("len(vars.services) == 2 && contains(vars.services, 'redis')")).isEqualTo(true);
        assertThat(eval("join(vars.services, ', ')")).isEqualTo("postgresql, redis");
        assertThat(eval("int('42') + 1")).isEqualTo(43L);
        assertThat(eval("default(params.missing ?? '', 'fallback')")).isEqualTo("fallback");
        assertThat(eval("steps.probe.stdout =~ '^act.*'")).isEqualTo(true);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "''.getClass()",
            "vars.services.getClass().forName('java.lang.Runtime')",
            "params.name.class",
            "vars.services.class",
            "new('java.io.File', '/')",
            "x = 1",
            "params.count = 5",
            "var x = 1",
            "function(a) { a }",
            "for (x : vars.services) { x }",
            "while (true) { 1 }",
            "#pragma jexl.import java.lang",
            "Runtime:getRuntime()",
            "''.class.forName('java.lang.Runtime').getRuntime().exec('touch /tmp/pwned')",
            "steps.probe.put('ok', false)",
            "vars.services.add('x')",
            "vars.services.clear()",
            "params.name.getBytes()",
    })
    void refusesEverythingOutsideTheSandbox(String expr) {
        assertThatThrownBy(() -> Expressions.analyze(expr, Text.of(expr), 0).references())
                .isInstanceOf(ExprException.class);
        assertThatThrownBy(() -> eval(expr)).isInstanceOf(ExprException.class);
    }

    @Test
    void anUnknownFunctionIsAnErrorNotANull() {
        assertThatThrownBy(() -> eval("shout('x')")).isInstanceOf(ExprException.class)
                .hasMessageContaining("unknown function 'shout()'");
    }

    @Test
    void anUndefinedPropertyIsAnErrorThatNamesIt() {
        assertThatThrownBy(() -> eval("steps.nope.ok")).isInstanceOf(ExprException.class)
                .hasMessageContaining("nope");
    }

    @Test
    void aConditionMustBeBoolean() {
        assertThatThrownBy(() -> Expressions.test(Text.of("params.name"), scope))
                .hasMessageContaining("not true or false");
    }

    @Test
    void hyphenatedStepIdsAreAddressableWithDots() {
        Map<String, Object> s = Map.of("steps", Map.of("restart-db", Map.of("ok", true)));
        assertThat(Expressions.evaluate(Text.of("steps.restart-db.ok"), s)).isEqualTo(true);
        assertThat(Expressions.analyze("!steps.restart-db.ok", Text.of(""), 0).references())
                .containsExactly(List.of("steps", "restart-db", "ok"));
    }

    @Test
    void syntaxErrorsPointIntoTheExpression() {
        Text t = new Text("steps.probe.ok && (1 +", new dev.runbook.model.SourcePos("f.yaml", 7, 11), true, 0);
        assertThatThrownBy(() -> Expressions.analyze(t.value(), t, 0))
                .isInstanceOfSatisfying(ExprException.class, e -> {
                    assertThat(e.pos().line()).isEqualTo(7);
                    assertThat(e.pos().col()).isGreaterThan(12 + "steps.probe.ok".length());
                });
    }

    @Test
    void secretsPrintAsMasksWhereverTheyAreTurnedIntoText() {
        Secret s = new Secret("token", "hunter2-canary");
        Map<String, Object> withSecret = Map.of("secrets", Map.of("token", s));
        assertThat(Expressions.evaluate(Text.of("str(secrets.token)"), withSecret)).isEqualTo("****");
        assertThat(Expressions.evaluate(Text.of("upper(secrets.token)"), withSecret)).isEqualTo("****");
        assertThat(Functions.to_json(Map.of("t", s))).doesNotContain("hunter2");
        assertThatThrownBy(() -> Expressions.evaluate(Text.of("raw(secrets.token)"), withSecret))
                .hasMessageContaining("raw() cannot take a secret");
    }

    @ParameterizedTest
    @ValueSource(strings = {"params.é", "é", "steps.é.ok", "default(é, 1)"})
    void aNameWithLettersBeyondAsciiIsAnUnknownNameAtItsPosition(String expr) {
        Text t = new Text(expr, new dev.runbook.model.SourcePos("f.yaml", 3, 10), false, 0);
        assertThatThrownBy(() -> Expressions.analyze(expr, t, 0)).isInstanceOfSatisfying(ExprException.class, e -> {
            assertThat(e.getMessage()).matches("unknown (name|param|step) 'é'.*");
            assertThat(e.pos().col()).isEqualTo(10 + expr.indexOf('é'));
        });
        assertThatThrownBy(() -> eval(expr)).isInstanceOf(ExprException.class).hasMessageContaining("'é'");
    }

    @Test
    void bracketsNestedBeyondTheLimitAreRefusedWhereTheyGoTooDeep() {
        String deep = "(".repeat(500) + "1" + ")".repeat(500);
        Text at = new Text(deep, new dev.runbook.model.SourcePos("f.yaml", 1, 1), false, 0);
        assertThatThrownBy(() -> Expressions.analyze(deep, at, 0)).isInstanceOfSatisfying(ExprException.class, e -> {
            assertThat(e.getMessage()).contains("nested more than " + Expressions.MAX_NESTING + " levels");
            assertThat(e.pos().col()).isEqualTo(Expressions.MAX_NESTING + 1);
        });
        assertThatThrownBy(() -> eval(deep)).isInstanceOf(ExprException.class).hasMessageContaining("nested more than");
        String limit = "(".repeat(Expressions.MAX_NESTING) + "1" + ")".repeat(Expressions.MAX_NESTING);
        assertThat(eval(limit)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {" ?? ", "+", " && ", " and "})
    void aChainOfThousandsOfOperatorsIsAnErrorNotAStackOverflow(String op) {
        String chain = String.join(op, java.util.Collections.nCopies(5_000, "1"));
        assertThatThrownBy(() -> Expressions.analyze(chain, Text.of(chain), 0)).isInstanceOf(ExprException.class)
                .hasMessageContaining("more than " + Expressions.MAX_OPERATORS + " operators");
        assertThatThrownBy(() -> eval(chain)).isInstanceOf(ExprException.class).hasMessageContaining("operators");
        String unary = "!".repeat(5_000) + "true";
        assertThatThrownBy(() -> eval(unary)).isInstanceOf(ExprException.class).hasMessageContaining("operators");
        String allowed = String.join(op, java.util.Collections.nCopies(Expressions.MAX_OPERATORS + 1, "1"));
        assertThat(eval(allowed)).isNotNull();
    }

    @Test
    void regexMatchSearchesTheTextLikeMatchesAndKeepsMembershipForLists() {
        assertThat(eval("'error: x' =~ 'error'")).isEqualTo(true);
        assertThat(eval("matches('error: x', 'error')")).isEqualTo(true);
        assertThat(eval("'error: x' !~ 'error'")).isEqualTo(false);
        assertThat(eval("'all good' !~ 'error'")).isEqualTo(true);
        assertThat(eval("'error: x' =~ '^x'")).isEqualTo(false);
        assertThat(eval("params.name =~ ['web-1', 'web-2']")).isEqualTo(true);
        assertThat(eval("'web' =~ vars.services")).as("membership, not a search in the items").isEqualTo(false);
        assertThat(eval("'redis' =~ vars.services")).isEqualTo(true);
        assertThat(eval("'redis' !~ vars.services")).isEqualTo(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"'x' =~ '(['", "'x' !~ \"([\"", "matches(params.name, '([')", "find(params.name, '([') ?? ''"})
    void anInvalidRegexLiteralIsRefusedBeforeItRunsAtItsPosition(String expr) {
        Text t = new Text(expr, new dev.runbook.model.SourcePos("f.yaml", 2, 1), false, 0);
        assertThatThrownBy(() -> Expressions.analyze(expr, t, 0)).isInstanceOfSatisfying(ExprException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("invalid regular expression '([': Unclosed character class near index 1");
            assertThat(e.pos().col()).as("the literal's opening quote").isEqualTo(expr.lastIndexOf("(["));
        });
    }

    @Test
    void anInvalidRegexFromAValueIsAOneLineErrorWhenItRuns() {
        Map<String, Object> s = Map.of("params", Map.of("re", "(["));
        for (String expr : List.of("'x' =~ params.re", "matches('x', params.re)", "find('x', params.re)")) {
            assertThatThrownBy(() -> Expressions.evaluate(Text.of(expr), s)).isInstanceOf(ExprException.class)
                    .hasMessage("invalid regular expression '([': Unclosed character class near index 1");
        }
    }

    @Test
    void divisionByZeroSaysSo() {
        assertThatThrownBy(() -> Expressions.analyze("params.count / 0", Text.of(""), 0))
                .hasMessageContaining("division by zero");
        Map<String, Object> s = Map.of("params", Map.of("n", 0L));
        assertThatThrownBy(() -> Expressions.evaluate(Text.of("10 / params.n"), s)).hasMessageContaining("division by zero");
        assertThatThrownBy(() -> Expressions.evaluate(Text.of("10 % params.n"), s)).hasMessageContaining("division by zero");
        assertThat(eval("params.count / 0.5")).isEqualTo(6.0);
    }

    @Test
    void readingFromANullPropertySaysItIsNullWhereAMissingOneIsUndefined() {
        Map<String, Object> output = new java.util.HashMap<>();
        output.put("x", null);
        output.put("l", java.util.Arrays.asList((Object) null));
        Map<String, Object> s = Map.of("steps", Map.of("s", Map.of("output", output), "restart-db", Map.of("output", output)));

        assertThatThrownBy(() -> Expressions.evaluate(Text.of("steps.s.output.x.y"), s)).isInstanceOf(ExprException.class)
                .hasMessage("property 'x' is null in 'steps.s.output.x.y' (nothing can be read from null); give a default with ?? or default(x, ...)");
        assertThatThrownBy(() -> Expressions.evaluate(Text.of("steps.restart-db.output['x'][0]"), s))
                .hasMessageStartingWith("property 'x' is null in 'steps.restart-db.output['x'][0]'");
        assertThatThrownBy(() -> Expressions.evaluate(Text.of("steps.s.output.l[0].z"), s)).hasMessageStartingWith("item 0 is null in ");
        assertThatThrownBy(() -> Expressions.evaluate(Text.of("steps.s.output.z.y"), s))
                .hasMessage("undefined property 'z' in 'steps.s.output.z.y'");
        assertThat(Expressions.evaluate(Text.of("steps.s.output.x?.y ?? 'none'"), s)).isEqualTo("none");
    }

    @Test
    void aComparisonThatCannotBeMadeNamesWhatWasCompared() {
        assertThatThrownBy(() -> eval("params.name > 1")).isInstanceOf(ExprException.class)
                .hasMessageStartingWith("cannot compare the string 'web-1' with the number 1 ('>')")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> eval("vars.services < 2")).hasMessageStartingWith("cannot compare a list with the number 2");
        assertThat(eval("'10' > 9")).isEqualTo(true);
    }

    @Test
    void everyFunctionHasTheArityItIsCalledWith() {
        for (String name : Functions.NAMES) {
            assertThat(Functions.arity(name)).as(name).isNotNull();
        }
        assertThat(Functions.arity("round").accepts(1)).isFalse();
        assertThat(Functions.arity("round").accepts(2)).isTrue();
        assertThat(Functions.arity("now").accepts(0)).isTrue();
        assertThat(Expressions.analyze("round(x, f(1, [2, 3]), 'a,b')", Text.of(""), 0).functions().get(0).arguments())
                .isEqualTo(3);
        assertThat(Expressions.analyze("now( )", Text.of(""), 0).functions().get(0).arguments()).isZero();
    }
}
