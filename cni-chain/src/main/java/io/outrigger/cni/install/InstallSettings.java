package io.outrigger.cni.install;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code outrigger cni install} does on a node.
 *
 * @param pluginImage the directory the build made (the {@code outrigger-cni} launcher and {@code
 *     outrigger-cni.d/})
 * @param kubeconfig where the plugin's kubeconfig comes from (a user's file, or the installer pod's
 *     service account); null for none
 * @param logFile the plugin's per-node call log
 * @param podRecords where the plugin records the pods it set up (read by the {@link
 *     RepairController}); null for none
 */
public record InstallSettings(
    Path binDir,
    Path confDir,
    Path pluginImage,
    KubeconfigSource kubeconfig,
    List<String> excludeNamespaces,
    Path logFile,
    Path podRecords) {

  public InstallSettings {
    excludeNamespaces = List.copyOf(excludeNamespaces);
  }

  /** A kubeconfig file (or none), no pod records. */
  public InstallSettings(
      Path binDir,
      Path confDir,
      Path pluginImage,
      Path kubeconfig,
      List<String> excludeNamespaces,
      Path logFile) {
    this(
        binDir,
        confDir,
        pluginImage,
        kubeconfig == null ? null : KubeconfigSource.file(kubeconfig),
        excludeNamespaces,
        logFile,
        null);
  }

  public static final Path DEFAULT_LOG_FILE = Path.of("/var/log/outrigger-cni.log");
}
