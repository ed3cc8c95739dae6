package io.outrigger.cni.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.cni.capture.CommandRunner;
import io.outrigger.cni.json.Json;
import io.outrigger.cni.testing.PluginImage;
import org.junit.jupiter.api.Test;

/**
 * Hostile network configurations given to the built plugin executable (jlink'd runtime, -Xss512k
 * -Xmx64m) as a runtime would: each gets a CNI error object on clean stdout and a non-zero exit,
 * never a JVM error and its stack trace. These fail before any netns is touched, so no root is
 * needed.
 */
class HostileStdinIT {
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode refused(String stdin) throws Exception {
    CommandRunner.Result r = PluginImage.invoke("ADD", "hostile", null, "default/web", stdin);
    assertThat(r.exitCode()).as("exit code; stderr: %s", r.stderr()).isEqualTo(1);
    assertThat(r.stderr()).as("stderr").doesNotContain("Exception", "Error", "\tat ");
    JsonNode error = json.readTree(r.stdout());
    assertThat(error.path("cniVersion").asText()).isEqualTo(CniVersions.LATEST);
    assertThat(error.path("code").asInt()).as(r.stdout()).isEqualTo(CniError.DECODE_FAILURE);
    return error;
  }

  @Test
  void deeplyNestedConfigurationIsADecodeFailure() throws Exception {
    String deep =
        "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"outrigger-cni\",\"x\":"
            + "[".repeat(100_000)
            + "]".repeat(100_000)
            + "}";
    assertThat(refused(deep).path("msg").asText())
        .isEqualTo(
            "cannot decode the network configuration on stdin:"
                + " nested deeper than the limit of "
                + Json.MAX_DEPTH
                + " levels at offset "
                + (deep.indexOf('[') + Json.MAX_DEPTH - 1));
  }

  @Test
  void aTwentyMegabyteConfigurationIsRefusedBeforeItFillsTheHeap() throws Exception {
    String big =
        "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"outrigger-cni\",\"x\":\""
            + "a".repeat(20 * 1024 * 1024)
            + "\"}";
    JsonNode error = refused(big);
    assertThat(error.path("msg").asText())
        .isEqualTo("the network configuration on stdin is larger than the limit of 1048576 bytes");
    assertThat(error.path("details").asText()).contains("docs/limits.md");
  }
}
