package io.outrigger.sidecar;

import java.util.Map;

/**
 * Where the sidecar answers an app's rewritten probe: {@code
 * /app-health/<container>/<livez|readyz|startupz>} on {@link SidecarPorts#APP_HEALTH}. The injector
 * points the kubelet there and keys the app-probes annotation by it; the control plane routes each
 * path to the app.
 */
public final class AppHealthPaths {

  public static final String PREFIX = "/app-health/";

  private static final Map<String, String> BY_PROBE_FIELD =
      Map.of("livenessProbe", "livez", "readinessProbe", "readyz", "startupProbe", "startupz");

  private AppHealthPaths() {}

  /**
   * The path for one probe of one container.
   *
   * @param probeField the container's field: {@code livenessProbe}, {@code readinessProbe} or
   *     {@code startupProbe}
   */
  public static String of(String container, String probeField) {
    String kind = BY_PROBE_FIELD.get(probeField);
    if (kind == null) {
      throw new IllegalArgumentException(
          "container " + container + ": " + probeField + " is not a probe field");
    }
    return PREFIX + container + "/" + kind;
  }

  public static boolean isAppHealthPath(String path) {
    return path.startsWith(PREFIX);
  }
}
