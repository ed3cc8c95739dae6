package io.outrigger.cni.install;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code outrigger cni install} does on a node.
 *
 * @param pluginImage the directory the build made (the {@code outrigger-cni} launcher and {@code outrigger-cni.d/})
 * @param kubeconfig a kubeconfig (YAML or JSON) for reading pod annotations from the API server; null for none
 * @param logFile the plugin's per-node call log
 */
public record InstallSettings(
    Path binDir, Path confDir, Path pluginImage, Path kubeconfig, List<String> excludeNamespaces, Path logFile) {

  public InstallSettings {
    excludeNamespaces = List.copyOf(excludeNamespaces);
  }

  public static final Path DEFAULT_LOG_FILE = Path.of("/var/log/outrigger-cni.log");
}
