package dev.runbook.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.model.Text;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Values spliced into commands stay one literal word; checked by running them through a real /bin/sh. */
class TemplatesTest {
    static final List<String> HOSTILE = List.of("; touch /tmp/pwned", "$(touch /tmp/pwned)", "`touch /tmp/pwned`",
            "it's", "say \"hi\"", "a\nb; rm -rf /", "$HOME", "*", "\\", "'\"'\"'", "--help", "", " spaced  out ");

    private static String sh(String command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"printf %s {{ v }}", "printf %s '{{ v }}'", "printf %s \"{{ v }}\"", "printf %s x{{ v }}y"})
    void everyHostileValueArrivesAsOneLiteralWord(String template) throws Exception {
        for (String value : HOSTILE) {
            Templates.Rendered r = Templates.render(Text.of(template), Map.of("v", value), Templates.Mode.SHELL);
            String expected = template.contains("x{{") ? "x" + value + "y" : value;
            assertThat(sh(r.text() + "; printf '|%s' \"$#\"", r.env())).as(r.text()).isEqualTo(expected + "|0");
            assertThat(sh("set -- " + r.text().substring("printf %s ".length()) + "; printf %s \"$#\"", r.env()))
                    .as("word count of %s", r.text()).isEqualTo("1");
        }
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/pwned"))).isFalse();
    }

    @Test
    void aSecretTravelsInTheEnvironmentNotOnTheCommandLine() throws Exception {
        Secret s = new Secret("db_password", "s3cr3t 'q' $(x)");
        Templates.Rendered r = Templates.render(Text.of("printf %s {{ secrets.pw }}"), Map.of("secrets", Map.of("pw", s)),
                Templates.Mode.SHELL);
        assertThat(r.text()).doesNotContain("s3cr3t").contains("RUNBOOK_SECRET_DB_PASSWORD");
        assertThat(r.env()).containsEntry("RUNBOOK_SECRET_DB_PASSWORD", "s3cr3t 'q' $(x)");
        assertThat(sh(r.text(), r.env())).isEqualTo("s3cr3t 'q' $(x)");
        assertThat(Templates.display(Text.of("pw={{ secrets.pw }}"), Map.of("secrets", Map.of("pw", s)))).isEqualTo("pw=****");
    }

    @Test
    void whatPeopleSeeHasTheMaskWhereTheModeWouldHaveEncodedTheSecret() {
        Map<String, Object> scope = Map.of("secrets", Map.of("t", new Secret("t", "Tok/en+9@kx")), "q", "a b");
        Text url = Text.of("http://h/api?token={{ secrets.t }}&q={{ q }}");
        Text sql = Text.of("select 1 where pw = {{ secrets.t }} and q = {{ q }}");

        assertThat(Templates.render(url, scope, Templates.Mode.URL).text()).isEqualTo("http://h/api?token=Tok%2Fen%2B9%40kx&q=a%20b");
        assertThat(Templates.shown(url, scope, Templates.Mode.URL).text()).isEqualTo("http://h/api?token=****&q=a%20b");
        assertThat(Templates.shown(Text.of("{{ secrets.t }}/x"), scope, Templates.Mode.URL).text()).isEqualTo("****/x");
        assertThat(Templates.render(sql, scope, Templates.Mode.SQL).binds()).containsExactly("Tok/en+9@kx", "a b");
        assertThat(Templates.shown(sql, scope, Templates.Mode.SQL).binds()).containsExactly("****", "a b");
        Templates.Rendered shell = Templates.shown(Text.of("echo {{ secrets.t }}"), scope, Templates.Mode.SHELL);
        assertThat(shell.text()).isEqualTo("echo \"${RUNBOOK_SECRET_T}\"");
        assertThat(shell.env()).containsEntry("RUNBOOK_SECRET_T", "****");
    }

    @Test
    void dataMadeFromASecretAndOtherTextIsASecretItself() throws Exception {
        Secret t = new Secret("t", "it's");
        Map<String, Object> scope = Map.of("secrets", Map.of("t", t), "q", "plain");

        Object data = Templates.data(Map.of("auth", Text.of("Bearer {{ secrets.t }}"), "same", Text.of("{{ secrets.t }}"),
                "q", Text.of("q={{ q }}"), "items", List.of(Text.of("x{{ secrets.t }}"))), scope);

        Map<?, ?> m = (Map<?, ?>) data;
        assertThat(m.get("auth")).isInstanceOf(Secret.class).hasToString("****");
        assertThat(((Secret) m.get("auth")).reveal()).isEqualTo("Bearer it's");
        assertThat(m.get("same")).isSameAs(t);
        assertThat(m.get("q")).isEqualTo("q=plain");
        assertThat(((List<?>) m.get("items")).get(0)).isInstanceOf(Secret.class);
        assertThat(JsonValues.revealedJson(data)).contains("\"auth\":\"Bearer it's\"");
        assertThat(Functions.to_json(data)).contains("\"auth\":\"****\"").doesNotContain("it's");
        Templates.Rendered r = Templates.render(Text.of("printf '%s|%s|%s' {{ a }} {{ b }} {{ a }}"),
                Map.of("a", m.get("auth"), "b", ((List<?>) m.get("items")).get(0)), Templates.Mode.SHELL);
        assertThat(r.text()).as("two secrets of one name, two variables").doesNotContain("it's").contains("RUNBOOK_SECRET_DERIVED_2");
        assertThat(sh(r.text(), r.env())).isEqualTo("Bearer it's|xit's|Bearer it's");
    }

    @Test
    void rawSplicesUnquotedOnlyWhenAskedFor() {
        Templates.Rendered r = Templates.render(Text.of("ls {{ raw(v) }} {{ v }}"), Map.of("v", "*.log"), Templates.Mode.SHELL);
        assertThat(r.text()).isEqualTo("ls *.log '*.log'");
    }

    @Test
    void sqlValuesBecomeBindParametersAndIdentifiersAreQuoted() {
        Templates.Rendered r = Templates.render(Text.of("DELETE FROM {{ ident(t) }} WHERE created < now() - {{ days }} * interval '1 day' AND name = {{ n }}"),
                Map.of("t", "audit\"logs", "days", 90L, "n", "x'; DROP TABLE users; --"), Templates.Mode.SQL);
        assertThat(r.text()).isEqualTo("DELETE FROM \"audit\"\"logs\" WHERE created < now() - ? * interval '1 day' AND name = ?");
        assertThat(r.binds()).containsExactly(90L, "x'; DROP TABLE users; --");
    }

    @Test
    void aValueInsideAQuotedSqlStringIsRefused() {
        assertThatThrownBy(() -> Templates.render(Text.of("SELECT '{{ n }}'"), Map.of("n", "x"), Templates.Mode.SQL))
                .hasMessageContaining("cannot be a bind parameter");
    }

    @Test
    void aListIsNotSplicedIntoACommandSilently() {
        assertThatThrownBy(() -> Templates.render(Text.of("echo {{ l }}"), Map.of("l", List.of("a", "b")), Templates.Mode.SHELL))
                .hasMessageContaining("cannot be spliced");
        assertThat(Templates.value(Text.of("{{ l }}"), Map.of("l", List.of("a", "b")))).isEqualTo(List.of("a", "b"));
    }

    @Test
    void deepValuesRenderEveryStringInside() {
        Object v = Templates.deepValue(Map.of("k", new ArrayList<>(List.of(Text.of("{{ n + 1 }}"), Text.of("x{{ n }}")))), Map.of("n", 1L));
        assertThat(v).isEqualTo(Map.of("k", List.of(2L, "x1")));
    }

    @Test
    void valuesAfterTheStartOfAUrlArePercentEncoded() {
        Map<String, Object> scope = Map.of("base", "http://api:8080", "user", "x?role=admin#/..", "q", "a b&c=d");
        assertThat(Templates.render(Text.of("{{ base }}/users/{{ user }}?q={{ q }}"), scope, Templates.Mode.URL).text())
                .isEqualTo("http://api:8080/users/x%3Frole%3Dadmin%23%2F..?q=a%20b%26c%3Dd");
        assertThat(Templates.render(Text.of("{{ base }}/{{ raw(user) }}"), scope, Templates.Mode.URL).text())
                .isEqualTo("http://api:8080/x?role=admin#/..");
    }

    @Test
    void joinKeepsEmptyItemsAndArraysPrintAsJson() {
        assertThat(Expressions.evaluate(Text.of("join(['', 'a'], ',')"), Map.of())).isEqualTo(",a");
        assertThat(Templates.display(Text.of("{{ [1, 2] }}"), Map.of())).isEqualTo("[1,2]");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "printf %s \"$(printf %s {{ v }})\"",
            "printf %s \"$(printf %s \"{{ v }}\")\"",
            "x=`printf %s {{ v }}`; printf %s \"$x\"",
            "printf %s \"`printf %s {{ v }}`\"",
            "printf %s \"$(printf %s \"$(printf %s {{ v }})\")\"",
            "printf %s \"$(printf %s '{{ v }}')\"",
    })
    void valuesInsideCommandSubstitutionsStayLiteral(String template) throws Exception {
        for (String value : HOSTILE) {
            if (value.isEmpty() || value.endsWith("\n") || value.contains("\n") && template.contains("`")) {
                continue; // $( ) drops trailing newlines by design; that is the shell, not the splice
            }
            Templates.Rendered r = Templates.render(Text.of(template), Map.of("v", value), Templates.Mode.SHELL);
            assertThat(sh(r.text(), r.env())).as(r.text()).isEqualTo(value.strip().isEmpty() && !value.isEmpty() ? value.strip() : value);
        }
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/pwned"))).isFalse();
    }

    @Test
    void aValueInAHereDocumentStaysLiteralAndCannotEndIt() throws Exception {
        for (String value : HOSTILE) {
            Templates.Rendered r = Templates.render(Text.of("cat <<EOF\n{{ v }}\nEOF\n"), Map.of("v", value), Templates.Mode.SHELL);
            assertThat(sh(r.text(), r.env())).as(r.text()).isEqualTo(value + "\n");
        }
        assertThatThrownBy(() -> Templates.render(Text.of("cat <<EOF\n{{ v }}\nEOF\necho after"), Map.of("v", "x\nEOF\ntouch /tmp/pwned"), Templates.Mode.SHELL))
                .hasMessageContaining("would end the here-document");
        assertThatThrownBy(() -> Templates.render(Text.of("cat <<'EOF'\nE{{ v }}\nEOF\n"), Map.of("v", "OF"), Templates.Mode.SHELL))
                .hasMessageContaining("here-document");
        Templates.Rendered quoted = Templates.render(Text.of("cat <<'EOF'\n{{ v }}\nEOF\n"), Map.of("v", "$(touch /tmp/pwned) `x` $HOME"), Templates.Mode.SHELL);
        assertThat(sh(quoted.text(), quoted.env())).isEqualTo("$(touch /tmp/pwned) `x` $HOME\n");
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/pwned"))).isFalse();
    }

    @Test
    void aCommentCannotBeEndedByASplicedLineBreak() {
        assertThatThrownBy(() -> Templates.render(Text.of("true # {{ v }}"), Map.of("v", "x\ntouch /tmp/pwned"), Templates.Mode.SHELL))
                .hasMessageContaining("comment");
    }

    @Test
    void insideParameterExpansionNothingIsSpliced() {
        assertThatThrownBy(() -> Templates.render(Text.of("echo ${X:-{{ v }}}"), Map.of("v", "a"), Templates.Mode.SHELL))
                .hasMessageContaining("${...}");
    }
}
