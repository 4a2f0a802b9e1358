package dev.runbook.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code parse: json}, {@code from_json} and lock files read JSON with {@link Json#parse} (the streaming
 * parser) instead of ObjectMapper.readTree and {@link JsonValues#toPlain}; what a runbook sees must not change.
 */
class JsonParseTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"ok\": true, \"n\": 3, \"items\": [1, \"two\", null, 4.5, false], \"nested\": {\"a\": {\"b\": []}}}",
        "[]", "{}", "42", "-7", "3.25", "1e3", "-0.0", "\"text with \\\"quotes\\\" and \\u00e9\"", "true", "null",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
        "2147483648", "1.7976931348623157E308", "{\"dup\": 1, \"other\": 2, \"dup\": 3}",
        "", "   \n\t ", "{\"a\": 1} trailing words", "[1, 2] [3]", "\"é ü 日本 🚀\"",
        "{\"\": \"empty key\", \"k\": \"\"}", "[[[[[[[[[[1]]]]]]]]]]",
    })
    void sameValuesAsReadTree(String text) throws IOException {
        Object expected = JsonValues.toPlain(Json.mapper().readTree(text));

        Object actual = Json.parse(text);

        assertThat(actual).isEqualTo(expected);
        assertThat(classes(actual)).isEqualTo(classes(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\": }", "[1, 2", "{\"a\" 1}", "tru", "{'a': 1}", "[1,]", "NaN", "01", "\"unterminated",
        "{\"a\": 1,}", "}"})
    void sameErrorsAsReadTree(String text) {
        Throwable expected = catchIo(() -> Json.mapper().readTree(text));

        Throwable actual = catchIo(() -> Json.parse(text));

        assertThat(expected).as("readTree fails on %s", text).isNotNull();
        assertThat(actual).as("parse fails on %s", text).isNotNull();
        assertThat(firstLine(actual.getMessage())).isEqualTo(firstLine(expected.getMessage()));
    }

    @Test
    void aRepeatedKeyKeepsItsFirstPlaceAndItsLastValue() throws IOException {
        Object parsed = Json.parse("{\"b\": 1, \"a\": 2, \"b\": 3}");

        assertThat(parsed).isInstanceOf(Map.class);
        assertThat(List.copyOf(((Map<?, ?>) parsed).keySet())).isEqualTo(List.of("b", "a"));
        assertThat(((Map<?, ?>) parsed).get("b")).isEqualTo(3L);
    }

    @Test
    void numbersAreLongsBigIntegersAndDoubles() throws IOException {
        assertThat(Json.parse("[1, 99999999999999999999, 2.5]"))
                .isEqualTo(List.of(1L, new BigInteger("99999999999999999999"), 2.5));
    }

    @Test
    void nestingBeyondJacksonsLimitIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(5000) + "]".repeat(5000);

        assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(IOException.class).hasMessageContaining("nesting depth");
    }

    @Test
    void fromJsonGivesTheParsedValueAndAOneLineErrorForBadText() {
        assertThat(Functions.from_json("{\"replicas\": 3}")).isEqualTo(Map.of("replicas", 3L));
        assertThatThrownBy(() -> Functions.from_json("{\"replicas\": }"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("from_json(): Unexpected character ('}'");
    }

    private interface IoCall {
        Object call() throws IOException;
    }

    private static Throwable catchIo(IoCall call) {
        try {
            call.call();
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse("");
    }

    /** The value's shape with the Java class of every leaf, so that 1L and 1.0 or 1 and 1L differ. */
    private static Object classes(Object v) {
        if (v instanceof Map<?, ?> m) {
            List<Object> out = new ArrayList<>();
            m.forEach((k, x) -> out.add(Arrays.asList(k, classes(x))));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(JsonParseTest::classes).toList();
        }
        return v == null ? "null" : v.getClass().getName();
    }
}
