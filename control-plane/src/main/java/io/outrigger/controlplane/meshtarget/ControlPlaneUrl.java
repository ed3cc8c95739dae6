package io.outrigger.controlplane.meshtarget;

import java.net.URI;
import java.util.List;

/**
 * A control plane named by its monitoring URL ({@code --control-plane}): enough for {@code
 * proxy-status}, not for reading a sidecar's admin, which needs to know where the pod runs.
 */
public record ControlPlaneUrl(URI monitoring) implements MeshTarget {
  /**
   * @throws IllegalArgumentException when {@code url} is not http(s)://HOST:PORT
   */
  public static ControlPlaneUrl parse(String url) {
    URI uri;
    try {
      uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("control plane URL '" + url + "': " + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null
        || (uri.getPath() != null && !uri.getPath().isEmpty())) {
      throw new IllegalArgumentException(
          "control plane URL '"
              + url
              + "': must be http://HOST:PORT of its monitoring port (15014)");
    }
    return new ControlPlaneUrl(uri);
  }

  @Override
  public ProxyAdmin admin(String namespace, String pod) {
    throw new IllegalArgumentException(
        "pod "
            + namespace
            + "/"
            + pod
            + ": a sidecar's admin cannot be reached "
            + "from a control plane URL alone; name the mesh with --mesh");
  }

  @Override
  public List<String> expectedProxies() {
    return List.of();
  }

  @Override
  public String describe() {
    return "control plane " + monitoring;
  }
}
