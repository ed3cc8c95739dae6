package io.outrigger.cni.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.cni.capture.CommandRunner;
import io.outrigger.cni.testing.PluginImage;
import io.outrigger.testsupport.NetnsPod;
import io.outrigger.testsupport.PodNetwork;
import io.outrigger.testsupport.PodSpec;
import io.outrigger.testsupport.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * DEL, CHECK and malformed calls against the built plugin executable, on a pod the real chain
 * wired. The plugin is invoked directly (as the runtime would) so each call's exit code and JSON
 * can be read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginLifecycleIT {
  private final ObjectMapper json = new ObjectMapper();
  private Path work;
  private PodNetwork network;
  private NetnsPod pod;

  @BeforeAll
  void wirePod() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCniPlugins("loopback", "bridge", "host-local");
    work = Files.createTempDirectory("outrigger-cni-lifecycle");
    network = PodNetwork.create();
    pod =
        network.addPod(
            PodSpec.named("meshed")
                .withAnnotations(PluginImage.meshed(Map.of()))
                .withExtraPlugin(PluginImage.conf(work.resolve("cni.log")), PluginImage.binDir()));
  }

  @AfterAll
  void tearDown() throws Exception {
    io.outrigger.cni.testing.TempDirs.closeThenDelete(network, work);
  }

  /** Our entry as the runtime hands it over: name, version, prevResult, the pod's annotations. */
  private String stdin(String version, JsonNode prevResult) {
    return PluginImage.runtimeStdin(work.resolve("cni.log"), "lifecycle", version, prevResult);
  }

  private CommandRunner.Result call(String command, Path netns, String stdin) {
    return PluginImage.invoke(command, "lifecycle", netns, "default/meshed", stdin);
  }

  private String natRules() {
    return pod.exec("iptables-save", "-t", "nat").stdout();
  }

  @Test
  void delRemovesEveryRuleTwiceInARowAndCheckReportsAMissingRule() throws Exception {
    String conf = stdin("1.0.0", pod.cniResult());
    assertThat(natRules()).contains("OUTRIGGER_OUTPUT");
    assertThat(call("CHECK", pod.netnsPath(), conf).exitCode())
        .as("CHECK right after ADD")
        .isZero();

    pod.exec(
        "iptables", "-t", "nat", "-D", "OUTRIGGER_OUTPUT", "-d", "127.0.0.1/32", "-j", "RETURN");
    CommandRunner.Result check = call("CHECK", pod.netnsPath(), conf);
    assertThat(check.exitCode()).isNotZero();
    JsonNode error = json.readTree(check.stdout());
    assertThat(error.path("code").asInt()).isEqualTo(101);
    assertThat(error.path("details").asText())
        .contains("missing: IPV4 -A OUTRIGGER_OUTPUT -d 127.0.0.1/32 -j RETURN");

    assertThat(call("ADD", pod.netnsPath(), conf).exitCode())
        .as("ADD again replaces the rules")
        .isZero();
    assertThat(call("CHECK", pod.netnsPath(), conf).exitCode()).isZero();
    assertThat(natRules().lines().filter(l -> l.equals("-A OUTPUT -p tcp -j OUTRIGGER_OUTPUT")))
        .hasSize(1);

    assertThat(call("DEL", pod.netnsPath(), conf).exitCode()).isZero();
    assertThat(natRules()).doesNotContain("OUTRIGGER");
    assertThat(call("DEL", pod.netnsPath(), conf).exitCode()).as("second DEL").isZero();

    CommandRunner.Result add = call("ADD", pod.netnsPath(), conf);
    assertThat(add.exitCode()).isZero();
    assertThat(json.readTree(add.stdout())).isEqualTo(pod.cniResult());
  }

  @Test
  void delAfterTheNetnsIsGoneSucceeds() throws Exception {
    String name = "ortgcni-" + ProcessHandle.current().pid() + "-gone";
    Path netns = Path.of("/var/run/netns", name);
    CommandRunner host = new CommandRunner(Duration.ofSeconds(10));
    assertThat(host.run(List.of("ip", "netns", "add", name), null).exitCode()).isZero();
    try {
      assertThat(call("ADD", netns, stdin("1.0.0", pod.cniResult())).exitCode()).isZero();
    } finally {
      host.run(List.of("ip", "netns", "delete", name), null);
    }
    assertThat(Files.exists(netns)).isFalse();
    assertThat(call("DEL", netns, stdin("1.0.0", pod.cniResult())).exitCode()).isZero();
  }

  @Test
  void malformedCallsGetTheSpecErrorCodeOnCleanStdout() throws Exception {
    Map<String, Integer> expected =
        Map.of("", 6, "{not json", 6, stdin("1.0.0", null), 7, stdin("0.2.0", pod.cniResult()), 1);
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      CommandRunner.Result r = call("ADD", pod.netnsPath(), e.getKey());
      assertThat(r.exitCode()).as("ADD with %s", e.getKey()).isNotZero();
      JsonNode error = json.readTree(r.stdout());
      assertThat(error.path("code").asInt())
          .as("%s -> %s", e.getKey(), r.stdout())
          .isEqualTo(e.getValue());
      assertThat(error.path("msg").asText()).isNotBlank();
    }
    CommandRunner.Result unknown = call("REBOOT", pod.netnsPath(), stdin("1.0.0", pod.cniResult()));
    assertThat(json.readTree(unknown.stdout()).path("code").asInt()).isEqualTo(4);
    CommandRunner.Result version = call("VERSION", null, "{\"cniVersion\":\"1.0.0\"}");
    assertThat(json.readTree(version.stdout()).path("supportedVersions").toString())
        .isEqualTo("[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\"]");
  }

  @Test
  void olderRuntimesGetThePrevResultInTheirVersion() throws Exception {
    ObjectNode prev040 = pod.cniResult().deepCopy();
    prev040.put("cniVersion", "0.4.0");
    prev040.withArray("ips").forEach(ip -> ((ObjectNode) ip).put("version", "4"));
    CommandRunner.Result add = call("ADD", pod.netnsPath(), stdin("0.4.0", prev040));
    assertThat(add.exitCode()).isZero();
    JsonNode result = json.readTree(add.stdout());
    assertThat(result.path("cniVersion").asText()).isEqualTo("0.4.0");
    assertThat(result.path("ips").get(0).path("version").asText()).isEqualTo("4");
    assertThat(result.path("ips").get(0).path("address"))
        .isEqualTo(pod.cniResult().path("ips").get(0).path("address"));
  }
}
