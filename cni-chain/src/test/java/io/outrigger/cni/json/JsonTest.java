package io.outrigger.cni.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  private final ObjectMapper jackson = new ObjectMapper();

  @Test
  void roundTripsWhatJacksonReadsTheSame() throws Exception {
    String doc =
        "{\"cniVersion\":\"1.0.0\",\"n\":-12,\"f\":1.5e3,\"t\":true,\"z\":null,"
            + "\"s\":\"tab\\there \\\"q\\\" \\u00e9 \\\\ /\",\"a\":[1,{\"b\":[]},{}],\"big\":9007199254740993}";
    Object parsed = Json.parse(doc);
    assertThat(jackson.readTree(Json.write(parsed))).isEqualTo(jackson.readTree(doc));
    assertThat(jackson.readTree(Json.writePretty(parsed))).isEqualTo(jackson.readTree(doc));
    assertThat(((Map<?, ?>) parsed).get("big")).isEqualTo(9007199254740993L);
  }

  @Test
  void keepsKeyOrderSoRewrittenFilesDiffCleanly() {
    Map<String, Object> m = Json.parseObject("{\"z\":1,\"a\":2,\"m\":[3]}");
    assertThat(m.keySet()).containsExactly("z", "a", "m");
    assertThat(Json.write(m)).isEqualTo("{\"z\":1,\"a\":2,\"m\":[3]}");
    assertThat(Json.writePretty(List.of())).isEqualTo("[]\n");
  }

  @Test
  void rejectsMalformedInputWithWhereAndWhy() {
    assertThatThrownBy(() -> Json.parse("")).hasMessageContaining("empty input");
    assertThatThrownBy(() -> Json.parse("{\"a\":1,}"))
        .hasMessageContaining("expected a string key at offset 7");
    assertThatThrownBy(() -> Json.parse("{\"a\":1} x"))
        .hasMessageContaining("unexpected trailing content");
    assertThatThrownBy(() -> Json.parse("[1,2")).hasMessageContaining("unexpected end of input");
    assertThatThrownBy(() -> Json.parse("\"a\\q\"")).hasMessageContaining("invalid escape");
    assertThatThrownBy(() -> Json.parseObject("[1]"))
        .hasMessageContaining("expected a JSON object, got array");
    assertThatThrownBy(() -> Json.parse("tru")).hasMessageContaining("invalid literal");
  }

  @Test
  void nestingIsLimitedSoHostileInputGetsAnErrorNotAStackOverflow() {
    String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    assertThat(Json.parse(deepest)).isInstanceOf(List.class);
    assertThat(
            Json.parse(
                "{\"a\":" + "[".repeat(Json.MAX_DEPTH - 1) + "]".repeat(Json.MAX_DEPTH - 1) + "}"))
        .isInstanceOf(Map.class);
    assertThatThrownBy(
            () -> Json.parse("[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1)))
        .isInstanceOf(JsonException.class)
        .hasMessage("nested deeper than the limit of 64 levels at offset 64");
    assertThatThrownBy(() -> Json.parse("{\"a\":".repeat(200_000)))
        .isInstanceOf(JsonException.class)
        .hasMessageStartingWith("nested deeper than the limit of 64 levels");
    // Siblings do not add up: depth is how deep, not how many.
    assertThat(Json.parse("[" + "[[]],".repeat(10_000) + "[]]")).asList().hasSize(10_001);
  }

  @Test
  void sizeIsLimited() {
    String huge = "\"" + "a".repeat(Json.MAX_LENGTH) + "\"";
    assertThatThrownBy(() -> Json.parse(huge))
        .isInstanceOf(JsonException.class)
        .hasMessage(
            "document of "
                + huge.length()
                + " characters is larger than the limit of "
                + Json.MAX_LENGTH);
  }
}
