package io.outrigger.controlplane.server;

/** Adapts the mesh's config generators to the push engine's per-type resource lists. */
final class GeneratedProxyConfig {
  private GeneratedProxyConfig() {}

  static ProxyConfigSource create() {
    // Until the generators land, a proxy gets no listeners/clusters: only its secrets.
    return (mesh, proxy) -> java.util.Map.of();
  }
}
