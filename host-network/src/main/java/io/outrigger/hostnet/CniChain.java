package io.outrigger.hostnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Runs a network configuration list the way a container runtime (libcni) does: ADD runs every
 * plugin in order, each getting the network's {@code name} and {@code cniVersion}, the previous
 * plugin's result as {@code prevResult}, and a {@code runtimeConfig} for the capabilities it
 * declares; DEL runs them in reverse, each getting the cached ADD result.
 */
public final class CniChain {

  public static final String CNI_VERSION = "1.0.0";
  public static final String ANNOTATIONS_CAPABILITY = "io.kubernetes.cri.pod-annotations";
  private static final Duration PLUGIN_TIMEOUT = Duration.ofSeconds(30);

  private final String networkName;
  private final List<ObjectNode> plugins;
  private final List<Path> pluginDirs;
  private final ObjectMapper json = new ObjectMapper();

  public CniChain(String networkName, List<ObjectNode> plugins, List<Path> pluginDirs) {
    this.networkName = networkName;
    this.plugins = List.copyOf(plugins);
    this.pluginDirs = List.copyOf(pluginDirs);
  }

  /** Runs ADD through the chain and returns the final result. */
  public JsonNode add(PodRef pod) {
    JsonNode result = null;
    for (ObjectNode plugin : plugins) {
      result = invoke("ADD", plugin, pod, result);
    }
    return result;
  }

  /** Runs DEL through the chain in reverse; collects failures instead of stopping at the first. */
  public List<String> delete(PodRef pod, JsonNode cachedResult) {
    List<String> failures = new ArrayList<>();
    for (int i = plugins.size() - 1; i >= 0; i--) {
      try {
        invoke("DEL", plugins.get(i), pod, cachedResult);
      } catch (RuntimeException e) {
        failures.add(e.getMessage());
      }
    }
    return failures;
  }

  private JsonNode invoke(String command, ObjectNode plugin, PodRef pod, JsonNode prevResult) {
    String type = plugin.path("type").asText();
    Path binary =
        pluginDirs.stream()
            .map(dir -> dir.resolve(type))
            .filter(p -> p.toFile().canExecute())
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "CNI plugin '"
                            + type
                            + "' of network "
                            + networkName
                            + ": no executable in "
                            + pluginDirs));
    ObjectNode conf = networkConfig(plugin, pod, prevResult);
    Map<String, String> env =
        Map.of(
            "CNI_COMMAND", command,
            "CNI_CONTAINERID", pod.containerId(),
            "CNI_NETNS", pod.netnsPath().toString(),
            "CNI_IFNAME", pod.ifName(),
            "CNI_PATH", pluginDirs.stream().map(Path::toString).collect(Collectors.joining(":")),
            "CNI_ARGS",
                "IgnoreUnknown=1;K8S_POD_NAMESPACE="
                    + pod.namespace()
                    + ";K8S_POD_NAME="
                    + pod.name()
                    + ";K8S_POD_INFRA_CONTAINER_ID="
                    + pod.containerId());
    ExecResult run = Commands.run(List.of(binary.toString()), env, conf.toString(), PLUGIN_TIMEOUT);
    if (!run.succeeded()) {
      throw new IllegalStateException(
          "CNI "
              + command
              + " of plugin '"
              + type
              + "' (network "
              + networkName
              + ", pod "
              + pod.namespace()
              + "/"
              + pod.name()
              + ") failed with exit code "
              + run.exitCode()
              + ": "
              + run.stdout().strip()
              + " "
              + run.stderr().strip());
    }
    if (!command.equals("ADD")) {
      return prevResult;
    }
    try {
      return json.readTree(run.stdout());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "CNI plugin '" + type + "' printed no JSON result on ADD: " + run.stdout(), e);
    }
  }

  private ObjectNode networkConfig(ObjectNode plugin, PodRef pod, JsonNode prevResult) {
    ObjectNode conf = plugin.deepCopy();
    conf.put("cniVersion", CNI_VERSION);
    conf.put("name", networkName);
    if (prevResult != null) {
      conf.set("prevResult", prevResult);
    }
    JsonNode capabilities = plugin.path("capabilities");
    if (capabilities.isObject()) {
      ObjectNode runtime = conf.putObject("runtimeConfig");
      Iterator<Map.Entry<String, JsonNode>> declared = capabilities.fields();
      while (declared.hasNext()) {
        Map.Entry<String, JsonNode> capability = declared.next();
        if (capability.getValue().asBoolean()) {
          addRuntimeConfig(runtime, capability.getKey(), pod);
        }
      }
    }
    return conf;
  }

  private void addRuntimeConfig(ObjectNode runtime, String capability, PodRef pod) {
    switch (capability) {
      case ANNOTATIONS_CAPABILITY -> {
        ObjectNode annotations = runtime.putObject(ANNOTATIONS_CAPABILITY);
        pod.annotations().forEach(annotations::put);
      }
      case "portMappings" -> runtime.putArray("portMappings");
      default -> {
        // A runtime passes only the capabilities it knows; so do we.
      }
    }
  }

  /** Who a CNI invocation is for. */
  public record PodRef(
      String containerId,
      Path netnsPath,
      String ifName,
      String namespace,
      String name,
      Map<String, String> annotations) {}
}
