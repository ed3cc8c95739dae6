package io.outrigger.cni.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.cni.capture.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The plugin image the build made (launcher + jlink'd runtime + AOT cache), as the runtime would
 * run it.
 */
public final class PluginImage {
  private PluginImage() {}

  /** The directory holding the {@code outrigger-cni} executable (failsafe passes it). */
  public static Path binDir() {
    String dir = System.getProperty("outrigger.cni.image");
    assertThat(dir)
        .as("system property outrigger.cni.image (set by the failsafe configuration)")
        .isNotNull();
    Path bin = Path.of(dir);
    assertThat(bin.resolve("outrigger-cni"))
        .as("plugin image built by the package phase")
        .isExecutable();
    return bin;
  }

  /** Our conflist entry, as the installer writes it. */
  public static ObjectNode conf(Path logFile) {
    ObjectNode conf =
        new ObjectMapper()
            .createObjectNode()
            .put("type", "outrigger-cni")
            .put("log_file", logFile.toString());
    conf.putArray("exclude_namespaces").add("kube-system");
    conf.putObject("capabilities").put("io.kubernetes.cri.pod-annotations", true);
    return conf;
  }

  /**
   * Our entry as the runtime hands it over: name, version, the pod's annotations, prevResult (may
   * be null).
   */
  public static String runtimeStdin(
      Path logFile, String name, String cniVersion, JsonNode prevResult) {
    ObjectNode conf = conf(logFile).put("cniVersion", cniVersion).put("name", name);
    conf.putObject("runtimeConfig")
        .putObject("io.kubernetes.cri.pod-annotations")
        .put("outrigger.io/status", "{}");
    if (prevResult != null) {
      conf.set("prevResult", prevResult);
    }
    return conf.toString();
  }

  /** Runs the plugin executable once with CNI_* variables, as a runtime does. */
  public static CommandRunner.Result invoke(
      String command, String containerId, Path netns, String pod, String stdin) {
    return new CommandRunner(Duration.ofSeconds(30))
        .run(commandLine(command, containerId, netns, pod, null), stdin);
  }

  /**
   * The plugin's command line with its CNI_* environment ({@code env -i ...}), {@code pathFirst}
   * ahead on PATH.
   */
  public static List<String> commandLine(
      String command, String containerId, Path netns, String pod, Path pathFirst) {
    return commandLine(binDir(), command, containerId, netns, pod, pathFirst);
  }

  /** As {@link #commandLine(String, String, Path, String, Path)}, for the image in {@code bin}. */
  public static List<String> commandLine(
      Path bin, String command, String containerId, Path netns, String pod, Path pathFirst) {
    String path = (pathFirst == null ? "" : pathFirst + ":") + "/usr/sbin:/usr/bin:/sbin:/bin";
    List<String> env =
        new ArrayList<>(
            List.of(
                "env",
                "-i",
                "PATH=" + path,
                "CNI_COMMAND=" + command,
                "CNI_CONTAINERID=" + containerId,
                "CNI_IFNAME=eth0",
                "CNI_PATH=" + bin));
    if (netns != null) {
      env.add("CNI_NETNS=" + netns);
    }
    if (pod != null) {
      String[] nsName = pod.split("/");
      env.add(
          "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=" + nsName[0] + ";K8S_POD_NAME=" + nsName[1]);
    }
    env.add(bin.resolve("outrigger-cni").toString());
    return env;
  }

  /** A copy of a test resource that the proxy user (1337) can read and run too. */
  public static Path worldReadableResource(String resource, Path dir) throws java.io.IOException {
    Path file = dir.resolve(Path.of(resource).getFileName());
    try (var in = PluginImage.class.getResourceAsStream("/" + resource)) {
      assertThat(in).as("test resource %s", resource).isNotNull();
      Files.copy(in, file);
    }
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  public static Map<String, String> meshed(Map<String, String> more) {
    Map<String, String> all =
        new java.util.LinkedHashMap<>(Map.of("outrigger.io/status", "{\"version\":\"test\"}"));
    all.putAll(more);
    return all;
  }
}
