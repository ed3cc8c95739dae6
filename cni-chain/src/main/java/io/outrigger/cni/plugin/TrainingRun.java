package io.outrigger.cni.plugin;

import io.outrigger.cni.capture.CaptureConfig;
import io.outrigger.cni.capture.CaptureRules;
import io.outrigger.cni.capture.CommandRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Exercises the plugin's code paths once, at build time, so that the class-data-sharing archive the
 * build dumps from this run holds every class a real call loads. Touches no network namespace: the
 * ADD it runs is for a non-injected pod, and the only tool it starts is {@code true}.
 */
public final class TrainingRun {
  private TrainingRun() {}

  public static void main(String[] args) {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    java.nio.file.Path log;
    try {
      log = java.nio.file.Files.createTempFile("outrigger-cni-training", ".log");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    String prev = "{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
        + "\"ips\":[{\"version\":\"4\",\"address\":\"198.18.0.2/24\",\"interface\":0}]}";
    String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"train\",\"type\":\"outrigger-cni\",\"exclude_namespaces\":[\"kube-system\"],"
        + "\"log_file\":\"" + log + "\","
        + "\"runtimeConfig\":{\"io.kubernetes.cri.pod-annotations\":{\"a\":\"b\"}},\"prevResult\":" + prev + "}";
    Map<String, String> env = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "train", "CNI_NETNS", "/proc/self/ns/net",
        "CNI_IFNAME", "eth0", "CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=train");
    OutriggerCni.run(env, conf, sink);
    OutriggerCni.run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}", sink);
    OutriggerCni.run(Map.of("CNI_COMMAND", "ADD"), "{", sink);
    CaptureRules.render(CaptureConfig.defaults(true)).forEach(f -> f.createText());
    new CommandRunner(Duration.ofSeconds(5)).run(List.of("true"), "");
    sink.close();
    try {
      java.nio.file.Files.deleteIfExists(log);
    } catch (java.io.IOException e) {
      // A temp file; the OS cleans it up.
    }
  }
}
