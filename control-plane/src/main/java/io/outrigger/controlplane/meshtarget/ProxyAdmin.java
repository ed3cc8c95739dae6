package io.outrigger.controlplane.meshtarget;

/** A sidecar's Envoy admin API, read-only: GET a path, get the body. */
public interface ProxyAdmin {
  /**
   * @param path with its query, e.g. {@code /clusters?format=json}
   * @throws IllegalArgumentException naming the sidecar and the reason when it does not answer 200
   */
  String get(String path);
}
