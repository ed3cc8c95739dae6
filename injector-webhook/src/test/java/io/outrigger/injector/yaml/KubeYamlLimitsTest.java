package io.outrigger.injector.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile YAML through the reader every part uses: refused by a named limit, fast, without a JVM
 * error.
 */
class KubeYamlLimitsTest {

  @Test
  void nestingPastTheLimitIsRefused() throws Exception {
    String ok =
        "a: "
            + "[".repeat(KubeYaml.MAX_NESTING_DEPTH - 1)
            + "]".repeat(KubeYaml.MAX_NESTING_DEPTH - 1);
    assertThat(KubeYaml.reader().readTree(ok).path("a").isArray()).isTrue();
    assertThatThrownBy(() -> KubeYaml.reader().readTree("a: " + "[".repeat(100_000)))
        .isInstanceOf(JsonProcessingException.class)
        .hasMessageContaining("exceeds the maximum allowed (" + KubeYaml.MAX_NESTING_DEPTH);
  }

  /**
   * Jackson's YAML reader does not expand aliases: an alias reads as its anchor's name (a String),
   * so a billion laughs stays the size of its text. SnakeYAML's alias limit stays set as a second
   * guard.
   */
  @Test
  @Timeout(10)
  void aBillionLaughsStaysTheSizeOfItsText() throws Exception {
    StringBuilder yaml =
        new StringBuilder(
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (int i = 1; i < 10; i++) {
      yaml.append("a")
          .append(i)
          .append(": &a")
          .append(i)
          .append(" [")
          .append(("*a" + (i - 1) + ",").repeat(8))
          .append("*a")
          .append(i - 1)
          .append("]\n");
    }
    JsonNode laughs = KubeYaml.reader().readTree(yaml.toString());
    assertThat(laughs.path("a9")).hasSize(9);
    assertThat(laughs.path("a9").get(0).asText()).isEqualTo("a8");
  }

  @Test
  void aDocumentPastTheCodePointLimitIsRefused() {
    String huge = "a: \"" + "x".repeat(KubeYaml.MAX_CODE_POINTS) + "\"\n";
    assertThatThrownBy(() -> KubeYaml.reader().readTree(huge))
        .isInstanceOf(JsonProcessingException.class)
        .hasMessageContaining(
            "The incoming YAML document exceeds the limit: " + KubeYaml.MAX_CODE_POINTS);
  }

  @Test
  void ordinaryManifestsStillRead() throws Exception {
    JsonNode node =
        KubeYaml.reader().readTree("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n");
    assertThat(node.path("metadata").path("name").asText()).isEqualTo("web");
  }
}
