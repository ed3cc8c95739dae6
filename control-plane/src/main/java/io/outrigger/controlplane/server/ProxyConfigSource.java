package io.outrigger.controlplane.server;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.xds.XdsResource;
import java.util.List;
import java.util.Map;

/** A proxy's listeners, clusters, endpoints and routes for one mesh snapshot, per type URL. */
@FunctionalInterface
public interface ProxyConfigSource {
  Map<String, List<XdsResource>> resources(MeshConfig mesh, ProxyNode proxy);
}
