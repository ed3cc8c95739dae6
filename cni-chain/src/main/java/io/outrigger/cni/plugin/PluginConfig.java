package io.outrigger.cni.plugin;

import io.outrigger.cni.json.Json;
import io.outrigger.cni.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Our entry of the conflist, as the runtime hands it on stdin (with {@code name}, {@code
 * cniVersion}, {@code prevResult} and {@code runtimeConfig} filled in).
 *
 * @param annotations the pod's annotations from {@code runtimeConfig}, empty when the runtime did
 *     not pass the {@code io.kubernetes.cri.pod-annotations} capability
 * @param podRecords {@code pod_records}: the directory of {@link PodRecords}, null for none
 */
public record PluginConfig(
    String cniVersion,
    String name,
    String logFile,
    String kubeconfig,
    Set<String> excludeNamespaces,
    Optional<Map<String, Object>> prevResult,
    Optional<Map<String, String>> annotations,
    String podRecords) {

  public static final String ANNOTATIONS_CAPABILITY = "io.kubernetes.cri.pod-annotations";

  /**
   * 1 MiB: a network configuration with its prevResult is a few KiB, and the pod annotations the
   * runtime adds are at most 256 KiB (the API server's limit on all of a pod's annotations).
   */
  public static final int MAX_STDIN_BYTES = 1024 * 1024;

  /**
   * The network configuration on stdin, refused past {@link #MAX_STDIN_BYTES} before it fills the
   * heap.
   */
  public static String read(InputStream stdin) {
    byte[] bytes;
    try {
      bytes = stdin.readNBytes(MAX_STDIN_BYTES + 1);
    } catch (IOException e) {
      throw new CniError(
          CniError.IO_FAILURE,
          "cannot read the network configuration on stdin: " + e.getMessage(),
          "stdin must be one JSON object (CNI spec, section 'Network configuration')");
    }
    if (bytes.length > MAX_STDIN_BYTES) {
      throw new CniError(
          CniError.DECODE_FAILURE,
          "the network configuration on stdin is larger than the limit of "
              + MAX_STDIN_BYTES
              + " bytes",
          "outrigger-cni reads at most " + MAX_STDIN_BYTES + " bytes (docs/limits.md)");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  public static PluginConfig parse(String stdin) {
    Map<String, Object> conf;
    try {
      conf = Json.parseObject(stdin);
    } catch (JsonException e) {
      throw new CniError(
          CniError.DECODE_FAILURE,
          "cannot decode the network configuration on stdin: " + e.getMessage(),
          "stdin must be one JSON object (CNI spec, section 'Network configuration')");
    }
    String version = string(conf, "cniVersion");
    CniVersions.require(version);
    return new PluginConfig(
        version,
        string(conf, "name"),
        string(conf, "log_file"),
        string(conf, "kubeconfig"),
        namespaces(conf.get("exclude_namespaces")),
        Optional.ofNullable(object(conf, "prevResult")),
        annotations(conf),
        string(conf, "pod_records"));
  }

  private static Optional<Map<String, String>> annotations(Map<String, Object> conf) {
    Map<String, Object> runtime = object(conf, "runtimeConfig");
    if (runtime == null || !runtime.containsKey(ANNOTATIONS_CAPABILITY)) {
      return Optional.empty();
    }
    Map<String, Object> raw = object(runtime, ANNOTATIONS_CAPABILITY);
    Map<String, String> out = new LinkedHashMap<>();
    if (raw != null) {
      for (Map.Entry<String, Object> e : raw.entrySet()) {
        Object v = e.getValue();
        out.put(e.getKey(), v == null ? "" : String.valueOf(v));
      }
    }
    return Optional.of(out);
  }

  private static Set<String> namespaces(Object raw) {
    Set<String> out = new LinkedHashSet<>();
    if (raw instanceof List<?> list) {
      for (Object v : list) {
        out.add(String.valueOf(v));
      }
    } else if (raw != null) {
      throw new CniError(
          CniError.INVALID_CONFIG,
          "exclude_namespaces must be a list of namespace names",
          "got " + raw);
    }
    return out;
  }

  private static String string(Map<String, Object> conf, String key) {
    Object v = conf.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new CniError(
          CniError.INVALID_CONFIG,
          "network configuration field '" + key + "' must be a string",
          "got " + Json.write(v));
    }
    return s;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Map<String, Object> conf, String key) {
    Object v = conf.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map)) {
      throw new CniError(
          CniError.INVALID_CONFIG,
          "network configuration field '" + key + "' must be an object",
          "got " + Json.write(v));
    }
    return (Map<String, Object>) v;
  }

  public Map<String, Object> requirePrevResult(String command) {
    if (prevResult.isEmpty()) {
      throw new CniError(
          CniError.INVALID_CONFIG,
          "outrigger-cni is a chained plugin: "
              + command
              + " needs prevResult from the plugins before it",
          "list outrigger-cni after the primary CNI plugin in a .conflist");
    }
    return prevResult.get();
  }
}
