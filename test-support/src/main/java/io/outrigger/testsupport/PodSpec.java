package io.outrigger.testsupport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a pod is to the CNI chain: its name and namespace (passed in {@code CNI_ARGS}), its
 * annotations (passed to plugins declaring the {@code io.kubernetes.cri.pod-annotations}
 * capability), and plugins that run after {@code bridge} in the chain, with the directories holding
 * their binaries.
 */
public record PodSpec(
    String name,
    String namespace,
    Map<String, String> annotations,
    List<ObjectNode> extraPlugins,
    List<Path> extraPluginDirs) {

  public PodSpec {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
      throw new IllegalArgumentException(
          "pod name '" + name + "': must be a DNS label (a-z, 0-9, '-')");
    }
    namespace = namespace == null ? "default" : namespace;
    annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
    extraPlugins = List.copyOf(extraPlugins == null ? List.of() : extraPlugins);
    extraPluginDirs = List.copyOf(extraPluginDirs == null ? List.of() : extraPluginDirs);
  }

  public static PodSpec named(String name) {
    return new PodSpec(name, "default", Map.of(), List.of(), List.of());
  }

  public PodSpec inNamespace(String ns) {
    return new PodSpec(name, ns, annotations, extraPlugins, extraPluginDirs);
  }

  public PodSpec withAnnotations(Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>(annotations);
    all.putAll(more);
    return new PodSpec(name, namespace, all, extraPlugins, extraPluginDirs);
  }

  /**
   * Appends a plugin to the chain; {@code conf} needs at least {@code type}; its binary is looked
   * up in {@code binDir} too.
   */
  public PodSpec withExtraPlugin(ObjectNode conf, Path binDir) {
    List<ObjectNode> plugins = new ArrayList<>(extraPlugins);
    plugins.add(conf.deepCopy());
    List<Path> dirs = new ArrayList<>(extraPluginDirs);
    if (binDir != null && !dirs.contains(binDir)) {
      dirs.add(binDir);
    }
    return new PodSpec(name, namespace, annotations, plugins, dirs);
  }
}
