package io.outrigger.controlplane.generate;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;

/**
 * Builds a proxy's listeners, routes, clusters and endpoints from a mesh snapshot. Pure: the same
 * snapshot and proxy always give the same resources and versions. A proxy's {@link ProxyScope} is
 * all of it that matters: resources are built once per snapshot and distinct scope and shared by
 * every proxy of that scope, and what does not depend on the scope at all once per snapshot (see
 * {@link MeshResources}). Safe to call from many threads.
 */
public final class ProxyConfigGenerator {
  private final MeshSettings settings;
  private volatile MeshResources shared;

  public ProxyConfigGenerator(MeshSettings settings) {
    this.settings = settings;
  }

  public MeshSettings settings() {
    return settings;
  }

  public ProxyResources generate(MeshConfig mesh, ProxyNode proxy) {
    MeshResources shared = sharedFor(mesh);
    return shared.forScope(shared.scope(proxy));
  }

  /** The scope {@link #generate} builds {@code proxy}'s resources for. */
  public ProxyScope scope(MeshConfig mesh, ProxyNode proxy) {
    return sharedFor(mesh).scope(proxy);
  }

  private MeshResources sharedFor(MeshConfig mesh) {
    MeshResources current = shared;
    if (current != null && current.mesh() == mesh) {
      return current;
    }
    synchronized (this) {
      current = shared;
      if (current == null || current.mesh() != mesh) {
        current = new MeshResources(mesh, settings, current);
        shared = current;
      }
      return current;
    }
  }
}
