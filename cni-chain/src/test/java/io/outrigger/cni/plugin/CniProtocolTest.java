package io.outrigger.cni.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.cni.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's answers to malformed calls, each with the CNI spec's error code and a message naming
 * the problem. These calls fail before any netns is touched, so they run in-process.
 */
class CniProtocolTest {
  private static final String PREV =
      "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
          + "\"ips\":[{\"address\":\"198.18.0.2/24\",\"gateway\":\"198.18.0.1\",\"interface\":0}]}";

  record Outcome(int exit, Map<String, Object> json) {
    long code() {
      return (Long) json.get("code");
    }
  }

  private static Outcome call(String command, String stdin, String netns) {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "CNI_COMMAND",
                command,
                "CNI_CONTAINERID",
                "c1",
                "CNI_IFNAME",
                "eth0",
                "CNI_ARGS",
                "K8S_POD_NAMESPACE=default;K8S_POD_NAME=web"));
    if (netns != null) {
      env.put("CNI_NETNS", netns);
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int exit = OutriggerCni.run(env, stdin, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8).strip();
    return new Outcome(exit, out.isEmpty() ? Map.of() : Json.parseObject(out));
  }

  private static String conf(String version, String extra) {
    return "{\"cniVersion\":\""
        + version
        + "\",\"name\":\"net\",\"type\":\"outrigger-cni\""
        + extra
        + "}";
  }

  @Test
  void versionReportsEverySupportedVersion() {
    Outcome o = call("VERSION", "{\"cniVersion\":\"1.0.0\"}", null);
    assertThat(o.exit()).isZero();
    assertThat(o.json())
        .containsEntry("cniVersion", "1.0.0")
        .containsEntry("supportedVersions", List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0"));
  }

  @Test
  void emptyStdinIsADecodeFailure() {
    Outcome o = call("ADD", "", "/proc/self/ns/net");
    assertThat(o.exit()).isNotZero();
    assertThat(o.code()).isEqualTo(CniError.DECODE_FAILURE);
    assertThat((String) o.json().get("msg"))
        .contains("cannot decode the network configuration on stdin: empty input");
  }

  @Test
  void invalidJsonIsADecodeFailureSayingWhere() {
    Outcome o = call("ADD", "{\"cniVersion\": \"1.0.0\", ", "/proc/self/ns/net");
    assertThat(o.code()).isEqualTo(CniError.DECODE_FAILURE);
    assertThat((String) o.json().get("msg")).contains("at offset");
    assertThat(o.json()).containsKey("details");
  }

  @Test
  void addWithoutPrevResultIsAnInvalidConfigBecauseThePluginIsChained() {
    Outcome o = call("ADD", conf("1.0.0", ""), "/proc/self/ns/net");
    assertThat(o.code()).isEqualTo(CniError.INVALID_CONFIG);
    assertThat((String) o.json().get("msg")).contains("chained plugin: ADD needs prevResult");
  }

  @Test
  void unsupportedCniVersionIsIncompatible() {
    Outcome o = call("ADD", conf("0.2.0", ",\"prevResult\":" + PREV), "/proc/self/ns/net");
    assertThat(o.code()).isEqualTo(CniError.INCOMPATIBLE_VERSION);
    assertThat(o.json())
        .containsEntry("msg", "cniVersion 0.2.0 is not supported")
        .containsEntry("details", "outrigger-cni supports 0.3.0, 0.3.1, 0.4.0, 1.0.0");
  }

  @Test
  void unknownCommandIsAnInvalidEnvironmentVariable() {
    Outcome o = call("RESTART", conf("1.0.0", ""), "/proc/self/ns/net");
    assertThat(o.code()).isEqualTo(CniError.INVALID_ENV);
    assertThat(o.json()).containsEntry("msg", "unknown CNI_COMMAND 'RESTART'");
  }

  @Test
  void checkDoesNotExistBefore040() {
    Outcome o = call("CHECK", conf("0.3.1", ",\"prevResult\":" + PREV), "/proc/self/ns/net");
    assertThat(o.code()).isEqualTo(CniError.INCOMPATIBLE_VERSION);
    assertThat(o.json()).containsEntry("cniVersion", "0.3.1");
  }

  @Test
  void delWithoutNetnsSucceedsBecauseThereIsNothingLeftToRemove() {
    assertThat(call("DEL", conf("1.0.0", ""), null).exit()).isZero();
    assertThat(call("DEL", conf("1.0.0", ""), "/var/run/netns/outrigger-no-such-netns").exit())
        .isZero();
  }

  @Test
  void addOfAPodTheMeshDoesNotCaptureHandsThePrevResultOnConvertedAndLogsOneLine(
      @TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path log = dir.resolve("node/outrigger-cni.log");
    String prev040 =
        "{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
            + "\"ips\":[{\"version\":\"4\",\"address\":\"198.18.0.2/24\",\"interface\":0}],\"dns\":{}}";
    // Not injected: no rule is written, so the host netns path is harmless here.
    Outcome o =
        call(
            "ADD",
            conf(
                "1.0.0",
                ",\"log_file\":\""
                    + log
                    + "\",\"runtimeConfig\":{\""
                    + PluginConfig.ANNOTATIONS_CAPABILITY
                    + "\":{\"app\":\"web\"}},\"prevResult\":"
                    + prev040),
            "/proc/self/ns/net");

    assertThat(o.exit()).isZero();
    assertThat(Json.write(o.json()))
        .isEqualTo(
            "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
                + "\"ips\":[{\"address\":\"198.18.0.2/24\",\"interface\":0}],\"dns\":{}}");
    List<String> lines = java.nio.file.Files.readAllLines(log);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0))
        .matches(
            "time=\\S+ command=ADD container=c1 pod=default/web decision=skip\\(not-injected\\)"
                + " duration_ms=\\d+\\.\\d result=ok version=dev");
  }

  @Test
  void withoutAnnotationsOrKubeconfigTheErrorSaysHowToFixIt() {
    Outcome o = call("ADD", conf("1.0.0", ",\"prevResult\":" + PREV), "/proc/self/ns/net");
    assertThat(o.code()).isEqualTo(CniError.POD_LOOKUP_FAILED);
    assertThat((String) o.json().get("msg"))
        .isEqualTo(
            "pod default/web: the runtime passed no pod annotations and no kubeconfig is configured");
  }
}
