package io.outrigger.controlplane.xds;

/** Computes what a proxy should have now (config from the mesh, secrets from its identity). */
@FunctionalInterface
public interface SnapshotSource {
  ProxySnapshot snapshot(ConnectedProxy proxy);
}
