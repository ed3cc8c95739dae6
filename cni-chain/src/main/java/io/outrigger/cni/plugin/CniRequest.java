package io.outrigger.cni.plugin;

import java.util.LinkedHashMap;
import java.util.Map;

/** One invocation as the runtime made it: the {@code CNI_*} environment (spec "Parameters"). */
public record CniRequest(
    String command, String containerId, String netns, String ifName, Map<String, String> args) {

  public CniRequest {
    args = Map.copyOf(args);
  }

  public static CniRequest fromEnvironment(Map<String, String> env) {
    return new CniRequest(
        env.getOrDefault("CNI_COMMAND", ""),
        env.getOrDefault("CNI_CONTAINERID", ""),
        env.getOrDefault("CNI_NETNS", ""),
        env.getOrDefault("CNI_IFNAME", ""),
        parseArgs(env.getOrDefault("CNI_ARGS", "")));
  }

  /**
   * {@code CNI_ARGS}: {@code K=V;K=V}, as containerd and CRI-O pass K8S_POD_NAMESPACE and
   * K8S_POD_NAME.
   */
  static Map<String, String> parseArgs(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : raw.split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
      }
    }
    return out;
  }

  public String podNamespace() {
    return args.get("K8S_POD_NAMESPACE");
  }

  public String podName() {
    return args.get("K8S_POD_NAME");
  }

  /** "ns/name" for logs and errors, or "-" when the runtime gave no Kubernetes pod. */
  public String pod() {
    return podName() == null ? "-" : podNamespace() + "/" + podName();
  }

  public void requireContainerId() {
    if (containerId.isBlank()) {
      throw new CniError(
          CniError.INVALID_ENV,
          "CNI_CONTAINERID is not set",
          "the runtime must name the container");
    }
  }
}
