package io.outrigger.cni.plugin;

import java.util.List;

/**
 * The CNI spec versions the plugin speaks (0.2.0 and older have a different result shape and are
 * refused).
 */
public final class CniVersions {
  public static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0");
  public static final String LATEST = "1.0.0";

  private CniVersions() {}

  public static void require(String version) {
    if (version == null || version.isBlank()) {
      throw new CniError(
          CniError.INVALID_CONFIG,
          "network configuration has no cniVersion",
          "outrigger-cni supports " + String.join(", ", SUPPORTED));
    }
    if (!SUPPORTED.contains(version)) {
      throw new CniError(
          CniError.INCOMPATIBLE_VERSION,
          "cniVersion " + version + " is not supported",
          "outrigger-cni supports " + String.join(", ", SUPPORTED));
    }
  }

  /** CHECK exists from spec 0.4.0 on. */
  public static boolean hasCheck(String version) {
    return !version.startsWith("0.3.");
  }
}
