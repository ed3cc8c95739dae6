package io.outrigger.cni.plugin;

import io.outrigger.cni.capture.CaptureApplier;
import io.outrigger.cni.capture.CaptureConfig;
import io.outrigger.cni.capture.CaptureDecision;
import io.outrigger.cni.capture.CaptureException;
import io.outrigger.cni.capture.CapturePolicy;
import io.outrigger.cni.capture.CaptureRules;
import io.outrigger.cni.capture.FamilyRules;
import io.outrigger.cni.capture.NetnsTool;
import io.outrigger.sidecar.MeshKeys;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exercises the plugin's code paths once, at build time, so that the class-data-sharing archive the
 * build dumps from this run holds every class a real call loads. Touches no network namespace: the
 * ADD it runs is for a non-injected pod, and the only tool it starts is {@code true}, in its own
 * netns.
 */
public final class TrainingRun {
  private TrainingRun() {}

  public static void main(String[] args) {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    // Not Files.createTempFile: its random name would put SecureRandom and its providers (about 40
    // classes) into the cache, and so into every start of the plugin. Not the PID either:
    // ProcessHandle's initialisation brings in the JDK's process reaper and its lambdas.
    Path log =
        Path.of(
            System.getProperty("java.io.tmpdir"),
            "outrigger-cni-training-" + Long.toHexString(System.nanoTime()) + ".log");
    String prev =
        "{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"eth0\"}],"
            + "\"ips\":[{\"version\":\"4\",\"address\":\"198.18.0.2/24\",\"interface\":0}]}";
    String conf =
        "{\"cniVersion\":\"1.0.0\",\"name\":\"train\",\"type\":\"outrigger-cni\",\"exclude_namespaces\":[\"kube-system\"],"
            + "\"log_file\":\""
            + log
            + "\","
            + "\"runtimeConfig\":{\"io.kubernetes.cri.pod-annotations\":{\"a\":\"b\"}},\"prevResult\":"
            + prev
            + "}";
    Map<String, String> env =
        Map.of(
            "CNI_COMMAND",
            "ADD",
            "CNI_CONTAINERID",
            "train",
            "CNI_NETNS",
            "/proc/self/ns/net",
            "CNI_IFNAME",
            "eth0",
            "CNI_ARGS",
            "K8S_POD_NAMESPACE=default;K8S_POD_NAME=train");
    OutriggerCni.run(env, conf, sink);
    // stdin as the plugin reads it, from a file descriptor: FileInputStream's read brings in
    // jdk.internal.misc.Blocker, which every call would otherwise load and verify from the runtime.
    try (InputStream in = new FileInputStream("/dev/null")) {
      PluginConfig.read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    OutriggerCni.run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}", sink);
    OutriggerCni.run(Map.of("CNI_COMMAND", "ADD"), "{", sink);
    for (FamilyRules f : CaptureRules.render(CaptureConfig.defaults(true))) {
      f.createText();
    }
    // No ProcessBuilder: the plugin runs its tools through the image's native library, and every
    // class in the cache is loaded at each start. The JDK's process machinery (its reaper's lambdas
    // spin classes with the class-file API, a System.Logger, ForkJoinPool) was ~230 classes of it;
    // the fallback to nsenter, without the library, loads them from the runtime when it needs them.
    // The plugin's way into a netns (the image's native library): its own netns, which needs
    // CAP_SYS_ADMIN; without it the child's error path runs, which is trained too.
    NetnsTool tool = NetnsTool.best(Duration.ofSeconds(5));
    tool.run(Path.of("/proc/self/ns/net"), List.of("true"), "");
    // A meshed pod's decision and rules, with every kind of annotation, exactly as ADD computes
    // them.
    CaptureDecision decision =
        new CapturePolicy(Set.of("kube-system"))
            .decide(
                "default",
                "train",
                Map.of(
                    MeshKeys.STATUS,
                    "{}",
                    "traffic.sidecar.istio.io/excludeOutboundPorts",
                    "5432",
                    "traffic.sidecar.istio.io/excludeOutboundIPRanges",
                    "198.18.0.0/16,fd00::/8",
                    "traffic.sidecar.istio.io/includeInboundPorts",
                    "*",
                    "outrigger.io/excludeInboundPorts",
                    "8081"),
                List.of("198.18.0.2", "fd00::2"));
    if (decision instanceof CaptureDecision.Capture capture) {
      List<FamilyRules> rules = CaptureRules.render(capture.config());
      // A netns that does not exist: entering it fails before anything runs, and the error path
      // is trained too.
      try {
        new CaptureApplier(tool).apply(Path.of("/nonexistent/outrigger-cni-training"), rules);
      } catch (CaptureException expected) {
        // Expected: there is no such netns.
      }
    }
    sink.close();
    try {
      java.nio.file.Files.deleteIfExists(log);
    } catch (java.io.IOException e) {
      // A temp file; the OS cleans it up.
    }
  }
}
