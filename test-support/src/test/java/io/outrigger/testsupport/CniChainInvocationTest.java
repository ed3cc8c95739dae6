package io.outrigger.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.hostnet.Commands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness runs a chain the way a container runtime does. Extra plugins here are a recorder (a
 * stand-in for outrigger-cni, which has no real form in this module) that writes down what it was
 * given.
 */
class CniChainInvocationTest {

  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path records;
  @TempDir Path binDir;

  @BeforeEach
  void installRecorder() throws IOException {
    try (InputStream recorder = getClass().getResourceAsStream("/cni/recorder")) {
      Files.copy(recorder, binDir.resolve("recorder"));
    }
    Files.setPosixFilePermissions(
        binDir.resolve("recorder"), PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void addRunsInOrderWithPrevResultRuntimeConfigAndArgsAndDelRunsInReverse() throws IOException {
    PodSpec spec =
        PodSpec.named("reviews-v1")
            .inNamespace("bookinfo")
            .withAnnotations(Map.of("traffic.sidecar.istio.io/excludeOutboundPorts", "5432"))
            .withExtraPlugin(recorder("first", true), binDir)
            .withExtraPlugin(recorder("second", false), binDir);
    String ip;
    String netnsPath;
    String bridge;
    try (PodNetwork network = PodNetwork.create()) {
      NetnsPod pod = network.addPod(spec);
      ip = pod.ip();
      netnsPath = pod.netnsPath().toString();
      bridge = network.bridgeName();
      assertThat(pod.cniResult().path("ips").get(0).path("address").asText()).isEqualTo(ip + "/24");
    }
    List<JsonNode> calls = calls();
    assertThat(calls)
        .extracting(
            c ->
                c.path("env").path("CNI_COMMAND").asText()
                    + " "
                    + c.path("conf").path("label").asText())
        .containsExactly("ADD first", "ADD second", "DEL second", "DEL first");

    JsonNode first = calls.get(0);
    assertThat(first.path("conf").path("name").asText()).isEqualTo(bridge);
    assertThat(first.path("conf").path("cniVersion").asText()).isEqualTo("1.0.0");
    assertThat(first.path("conf").path("prevResult").path("ips").get(0).path("address").asText())
        .isEqualTo(ip + "/24");
    assertThat(
            first
                .path("conf")
                .path("runtimeConfig")
                .path("io.kubernetes.cri.pod-annotations")
                .path("traffic.sidecar.istio.io/excludeOutboundPorts")
                .asText())
        .isEqualTo("5432");
    assertThat(first.path("conf").path("runtimeConfig").path("portMappings").isArray()).isTrue();
    assertThat(first.path("env").path("CNI_ARGS").asText())
        .contains("K8S_POD_NAMESPACE=bookinfo")
        .contains("K8S_POD_NAME=reviews-v1");
    assertThat(first.path("env").path("CNI_IFNAME").asText()).isEqualTo("eth0");
    assertThat(first.path("env").path("CNI_NETNS").asText()).isEqualTo(netnsPath);
    assertThat(first.path("env").path("CNI_PATH").asText())
        .contains(binDir.toString())
        .contains("/usr/lib/cni");

    // A plugin that declares no capabilities gets no runtimeConfig, as with containerd.
    assertThat(calls.get(1).path("conf").has("runtimeConfig")).isFalse();
    // DEL gets the chain's cached ADD result.
    assertThat(
            calls
                .get(2)
                .path("conf")
                .path("prevResult")
                .path("ips")
                .get(0)
                .path("address")
                .asText())
        .isEqualTo(ip + "/24");
  }

  @Test
  void failedAddNamesThePluginAndLeavesNoNamespace() throws IOException {
    ObjectNode failing = recorder("broken", false).put("failOnAdd", true);
    try (PodNetwork network = PodNetwork.create()) {
      assertThatThrownBy(
              () -> network.addPod(PodSpec.named("victim").withExtraPlugin(failing, binDir)))
          .hasMessageContaining("CNI ADD of plugin 'recorder'")
          .hasMessageContaining("default/victim")
          .hasMessageContaining("recorder told to fail");
      assertThat(network.pods()).isEmpty();
      assertThat(Commands.run(List.of("ip", "netns", "list")).stdout()).doesNotContain("-victim");
    }
    // The runtime-like rollback ran DEL on the broken plugin too.
    assertThat(calls())
        .extracting(c -> c.path("env").path("CNI_COMMAND").asText())
        .containsExactly("ADD", "DEL");
  }

  private ObjectNode recorder(String label, boolean wantsCapabilities) {
    ObjectNode conf =
        json.createObjectNode()
            .put("type", "recorder")
            .put("label", label)
            .put("recordDir", records.toString());
    if (wantsCapabilities) {
      conf.putObject("capabilities")
          .put("io.kubernetes.cri.pod-annotations", true)
          .put("portMappings", true);
    }
    return conf;
  }

  private List<JsonNode> calls() throws IOException {
    List<JsonNode> calls = new ArrayList<>();
    try (Stream<Path> files = Files.list(records)) {
      for (Path file : files.sorted().toList()) {
        calls.add(json.readTree(file.toFile()));
      }
    }
    return calls;
  }
}
