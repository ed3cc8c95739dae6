package io.outrigger.controlplane.generate.endpoint;

import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.outrigger.controlplane.generate.cluster.OutboundClusterFactory;
import io.outrigger.controlplane.generate.cluster.StaticClusterFactory;
import io.outrigger.controlplane.generate.cluster.UpstreamTls;
import io.outrigger.controlplane.model.Workload;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ClusterLoadAssignment of an outbound cluster: the IPs of the workloads the service (and
 * subset) selects, each marked {@code tlsMode: istio} when it has a sidecar so automatic mTLS picks
 * TLS for it.
 */
public final class EndpointFactory {
  private static final Metadata IN_MESH =
      Metadata.newBuilder()
          .putFilterMetadata(UpstreamTls.TRANSPORT_SOCKET_MATCH, UpstreamTls.istioEndpointMatch())
          .build();

  private EndpointFactory() {}

  /**
   * @param endpoints the workloads the target selects ({@link
   *     OutboundClusterFactory.Target#endpoints})
   * @param mtlsReady those of them automatic mTLS may use; only they are marked {@code tlsMode:
   *     istio}
   */
  public static ClusterLoadAssignment assignment(
      OutboundClusterFactory.Target target, List<Workload> endpoints, List<Workload> mtlsReady) {
    Set<Workload> ready = new HashSet<>(mtlsReady);
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (Workload workload : endpoints) {
      LbEndpoint.Builder endpoint =
          StaticClusterFactory.lbEndpoint(workload.address(), workload.targetPort(target.port()));
      if (ready.contains(workload)) {
        endpoint.setMetadata(IN_MESH);
      }
      locality.addLbEndpoints(endpoint);
    }
    ClusterLoadAssignment.Builder cla =
        ClusterLoadAssignment.newBuilder().setClusterName(target.clusterName());
    if (locality.getLbEndpointsCount() > 0) {
      cla.addEndpoints(locality);
    }
    return cla.build();
  }
}
