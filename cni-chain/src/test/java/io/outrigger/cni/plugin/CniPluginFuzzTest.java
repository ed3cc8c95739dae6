package io.outrigger.cni.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.outrigger.cni.capture.CaptureDecision;
import io.outrigger.cni.capture.CapturePolicy;
import io.outrigger.cni.capture.CaptureRules;
import io.outrigger.cni.capture.InvalidAnnotationException;
import io.outrigger.cni.json.Json;
import io.outrigger.testsupport.FuzzRuns;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * Fuzzes the plugin's whole input: the CNI_* environment and the network configuration on stdin
 * (the hand-written JSON parser included). The plugin must answer every input with one JSON line, a
 * result or a CNI error object, never with an exception of its own ("outrigger-cni failed:
 * java...") or a Java error. CNI_NETNS is never a real netns, so no input reaches iptables; the
 * pure part of ADD that a netns would lead to (the capture decision from annotations and
 * prevResult, the rules, the converted result) runs on every configuration that parses, where
 * CniError and InvalidAnnotationException are the documented refusals.
 */
class CniPluginFuzzTest {
  private static final FuzzRuns RUNS =
      new FuzzRuns("cni-plugin-stdin-env", CniError.class, InvalidAnnotationException.class);

  /** By the first character: A is ADD, B DEL, C CHECK, D VERSION, E none, F an unknown one. */
  private static final String[] COMMANDS = {"ADD", "DEL", "CHECK", "VERSION", "", "GET"};

  private static final String[] NETNS = {"", "/run/netns/outrigger-fuzz-absent"};

  /**
   * The input is text, so the seeds under src/test/resources are readable: the first line picks the
   * command by its first character (A for ADD) and the netns by its length, the second CNI_ARGS,
   * the third CNI_CONTAINERID, the rest is stdin.
   */
  @FuzzTest(maxDuration = "5s")
  @DictionaryEntries({
    "cniVersion",
    "\"1.0.0\"",
    "\"0.4.0\"",
    "prevResult",
    "runtimeConfig",
    "io.kubernetes.cri.pod-annotations",
    "exclude_namespaces",
    "ips",
    "address",
    "K8S_POD_NAMESPACE=",
    "K8S_POD_NAME=",
    "sidecar.istio.io/inject",
    "traffic.sidecar.istio.io/includeOutboundIPRanges",
    "traffic.sidecar.istio.io/excludeInboundPorts",
    "proxy.istio.io/config",
    "interceptionMode"
  })
  void everyInputGetsAResultOrACniError(byte[] input) throws Exception {
    RUNS.run(
        () -> {
          String[] parts = new String(input, StandardCharsets.UTF_8).split("\n", 4);
          String first = parts[0];
          Map<String, String> env = new HashMap<>();
          env.put(
              "CNI_COMMAND",
              first.isEmpty()
                  ? ""
                  : COMMANDS[Math.floorMod(first.charAt(0) - 'A', COMMANDS.length)]);
          env.put("CNI_NETNS", NETNS[Math.floorMod(first.length(), NETNS.length)]);
          env.put("CNI_IFNAME", "eth0");
          env.put("CNI_ARGS", parts.length > 1 ? parts[1] : "");
          env.put("CNI_CONTAINERID", parts.length > 2 ? parts[2] : "");
          String stdin = parts.length > 3 ? parts[3] : "";
          PluginConfig conf = parsedOrNull(stdin);
          // A configuration naming a log file makes the plugin append to that file: fuzzed ones
          // must not write.
          if (conf == null || conf.logFile() == null) {
            pluginAnswersWithOneJsonLine(env, stdin);
          }
          if (conf != null) {
            decideAsAddWould(CniRequest.fromEnvironment(env), conf);
          }
        });
  }

  private static PluginConfig parsedOrNull(String stdin) {
    try {
      return PluginConfig.parse(stdin);
    } catch (CniError e) {
      return null;
    }
  }

  private static void pluginAnswersWithOneJsonLine(Map<String, String> env, String stdin) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = OutriggerCni.run(env, stdin, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    if (code == 0 && env.get("CNI_COMMAND").equals("DEL")) {
      assertThat(out).as("a successful DEL prints nothing (CNI spec)").isEmpty();
      return;
    }
    assertThat(out.strip()).doesNotContain("\n");
    Map<String, Object> answer = Json.parseObject(out);
    if (code != 0) {
      assertThat(code).isEqualTo(1);
      assertThat(answer).containsKeys("code", "msg");
      assertThat((String) answer.get("msg"))
          .as("an unexpected exception inside the plugin")
          .doesNotStartWith("outrigger-cni failed");
    }
  }

  private static void decideAsAddWould(CniRequest req, PluginConfig conf) {
    Map<String, Object> prev = conf.requirePrevResult("ADD");
    Json.write(ResultConverter.convert(prev, conf.cniVersion()));
    if (conf.annotations().isEmpty()) {
      return;
    }
    CaptureDecision decision =
        new CapturePolicy(conf.excludeNamespaces())
            .decide(
                req.podNamespace(),
                req.podName(),
                conf.annotations().get(),
                ResultConverter.podIps(prev));
    if (decision instanceof CaptureDecision.Capture capture) {
      CaptureRules.render(capture.config());
    }
  }

  @AfterAll
  static void finish() {
    RUNS.finish();
  }
}
