package io.outrigger.controlplane.server;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.xds.XdsResource;
import java.util.Map;

/**
 * A proxy's listeners, clusters, endpoints and routes for one mesh snapshot: per type URL, resource
 * name to resource. The maps must not change afterwards; they may be shared between proxies.
 */
@FunctionalInterface
public interface ProxyConfigSource {
  Map<String, Map<String, XdsResource>> resources(MeshConfig mesh, ProxyNode proxy);
}
