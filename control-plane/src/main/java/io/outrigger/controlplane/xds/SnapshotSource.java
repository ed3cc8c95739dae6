package io.outrigger.controlplane.xds;

/** Computes what a proxy should have now (config from the mesh, secrets from its identity). */
@FunctionalInterface
public interface SnapshotSource {
  ProxySnapshot snapshot(ConnectedProxy proxy);

  /**
   * The source for one push: every proxy it computes sees the one model snapshot read when the push
   * began, so a registry that changes during the push cannot hand some proxies the old version and
   * others the new. A source with no model of its own is already that.
   */
  default SnapshotSource forPush() {
    return this;
  }
}
