package io.outrigger.controlplane.server;

import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.security.WorkloadSecrets;
import io.outrigger.controlplane.xds.ConnectedProxy;
import io.outrigger.controlplane.xds.ProxySnapshot;
import io.outrigger.controlplane.xds.SnapshotSource;
import io.outrigger.controlplane.xds.XdsResource;
import io.outrigger.controlplane.xds.XdsTypes;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A proxy's snapshot: generated config for its workload in the current mesh (in the mesh a push
 * began with, for a push), plus the secrets of the identity its stream was bound to at admission
 * (never of the workload's current claim).
 */
final class MeshSnapshots implements SnapshotSource {
  private final Supplier<MeshConfig> mesh;
  private final ProxyConfigSource config;
  private final WorkloadSecrets secrets;

  MeshSnapshots(Supplier<MeshConfig> mesh, ProxyConfigSource config, WorkloadSecrets secrets) {
    this.mesh = mesh;
    this.config = config;
    this.secrets = secrets;
  }

  /** From the model in force now: a proxy that just connected. */
  @Override
  public ProxySnapshot snapshot(ConnectedProxy proxy) {
    return snapshot(mesh.get(), proxy);
  }

  /** The model is read once, here: every proxy of the push is computed from that one version. */
  @Override
  public SnapshotSource forPush() {
    MeshConfig pinned = mesh.get();
    return proxy -> snapshot(pinned, proxy);
  }

  private ProxySnapshot snapshot(MeshConfig current, ConnectedProxy proxy) {
    Workload workload =
        current
            .workload(proxy.namespace(), proxy.workload())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "proxy "
                            + proxy.id()
                            + ": workload "
                            + proxy.namespace()
                            + "/"
                            + proxy.workload()
                            + " is no longer in the registry"));
    Map<String, Map<String, XdsResource>> resources =
        new HashMap<>(config.resources(current, new ProxyNode(proxy.id(), workload)));
    resources.put(
        XdsTypes.SECRET,
        ProxySnapshot.byName(
            secrets.secretsFor(new WorkloadIdentity(proxy.namespace(), proxy.serviceAccount()))));
    return new ProxySnapshot(resources);
  }
}
