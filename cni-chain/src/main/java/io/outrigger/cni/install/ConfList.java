package io.outrigger.cni.install;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Editing a network configuration list: finding, adding and removing our plugin entry. */
final class ConfList {
  static final String PLUGIN_TYPE = "outrigger-cni";

  private ConfList() {}

  /**
   * A single-plugin {@code .conf} as the equivalent {@code .conflist} (name and cniVersion move
   * up).
   */
  static Map<String, Object> fromConf(Map<String, Object> conf) {
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("cniVersion", conf.getOrDefault("cniVersion", "0.3.1"));
    list.put("name", conf.get("name"));
    Map<String, Object> plugin = new LinkedHashMap<>(conf);
    plugin.remove("cniVersion");
    plugin.remove("name");
    list.put("plugins", new ArrayList<>(List.of(plugin)));
    return list;
  }

  /**
   * The conflist's plugins; a conflist without a plugins array is not something we can chain into.
   */
  @SuppressWarnings("unchecked")
  static List<Object> plugins(Map<String, Object> conflist, Object file) {
    if (!(conflist.get("plugins") instanceof List<?> plugins)) {
      throw new IllegalArgumentException(
          "CNI config " + file + ": has no 'plugins' list, cannot chain outrigger-cni");
    }
    return (List<Object>) plugins;
  }

  static boolean isOurs(Object plugin) {
    return plugin instanceof Map<?, ?> m && PLUGIN_TYPE.equals(m.get("type"));
  }

  /** Removes every entry of ours; returns whether there was one. */
  static boolean removeOurEntries(Map<String, Object> conflist, Object file) {
    return plugins(conflist, file).removeIf(ConfList::isOurs);
  }

  /** Our entry: last in the chain, asking the runtime for the pod's annotations. */
  static Map<String, Object> entry(InstallSettings s, String kubeconfigPath) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", PLUGIN_TYPE);
    e.put("log_file", s.logFile().toString());
    if (kubeconfigPath != null) {
      e.put("kubeconfig", kubeconfigPath);
    }
    e.put("exclude_namespaces", new ArrayList<Object>(s.excludeNamespaces()));
    if (s.podRecords() != null) {
      e.put("pod_records", s.podRecords().toString());
    }
    Map<String, Object> capabilities = new LinkedHashMap<>();
    capabilities.put("io.kubernetes.cri.pod-annotations", Boolean.TRUE);
    e.put("capabilities", capabilities);
    return e;
  }
}
