package dev.runbook.expr;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonValuesTest {
    private static final Secret TOKEN = new Secret("api_token", "s3cr3t-canary");

    private static Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", TOKEN);
        body.put("nested", Map.of("list", List.of("a", TOKEN)));
        body.put("array", new Object[] {TOKEN, 1});
        body.put("set", new LinkedHashSet<>(Set.of(TOKEN)));
        return body;
    }

    @Test
    void whatIsSentToAServerCarriesTheSecretAtEveryDepth() {
        String json = JsonValues.revealedJson(body());

        assertThat(json).isEqualTo("{\"token\":\"s3cr3t-canary\",\"nested\":{\"list\":[\"a\",\"s3cr3t-canary\"]},"
                + "\"array\":[\"s3cr3t-canary\",1],\"set\":[\"s3cr3t-canary\"]}");
    }

    @Test
    void whatIsRecordedMasksTheSecretAtEveryDepth() throws Exception {
        String json = Json.mapper().writeValueAsString(JsonValues.forJson(body()));

        assertThat(json).doesNotContain("s3cr3t-canary").isEqualTo("{\"token\":\"****\",\"nested\":{\"list\":[\"a\",\"****\"]},"
                + "\"array\":[\"****\",1],\"set\":[\"****\"]}");
    }
}
