package io.outrigger.controlplane.generate.cluster;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServiceEntryHost;
import io.outrigger.controlplane.model.ServiceEntryHost.Resolution;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.Workload;
import java.util.List;

/**
 * How the cluster of a ServiceEntry host finds its endpoints, by the entry's resolution: NONE
 * connects to the caller's original destination (ORIGINAL_DST), DNS resolves the endpoints' names,
 * or the host itself when it lists none (STRICT_DNS, every address), DNS_ROUND_ROBIN the first name
 * (LOGICAL_DNS), and STATIC, like a Kubernetes Service, gets its endpoints over EDS.
 */
public final class ServiceEntryClusters {
  private ServiceEntryClusters() {}

  /** False for clusters whose endpoints are not sent over EDS. */
  public static boolean usesEds(Service service) {
    return service.entry() == null || service.entry().resolution() == Resolution.STATIC;
  }

  /**
   * Sets the discovery type (and, for DNS, the endpoints) of a non-EDS ServiceEntry cluster.
   *
   * @return false when the cluster is an EDS one, left for the caller to configure
   */
  static boolean configureDiscovery(OutboundClusterFactory.Target target, Cluster.Builder cluster) {
    ServiceEntryHost entry = target.service().entry();
    if (usesEds(target.service())) {
      return false;
    }
    switch (entry.resolution()) {
      case NONE ->
          cluster
              .setType(Cluster.DiscoveryType.ORIGINAL_DST)
              .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
      case DNS, DNS_ROUND_ROBIN -> {
        List<String> names =
            entry.endpoints().isEmpty()
                ? List.of(target.service().hostname())
                : entry.endpoints().stream().map(Workload::address).toList();
        boolean roundRobin = entry.resolution() == Resolution.DNS_ROUND_ROBIN;
        cluster
            .setType(
                roundRobin ? Cluster.DiscoveryType.LOGICAL_DNS : Cluster.DiscoveryType.STRICT_DNS)
            // As Istio: IPv4 answers only, so a host with AAAA records is not dialled over v6.
            .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY)
            .setLoadAssignment(
                assignment(
                    target.clusterName(),
                    roundRobin ? names.subList(0, 1) : names,
                    entry,
                    target.port()));
      }
      default -> throw new IllegalStateException("resolution " + entry.resolution());
    }
    return true;
  }

  private static ClusterLoadAssignment assignment(
      String clusterName, List<String> names, ServiceEntryHost entry, ServicePort port) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (int i = 0; i < names.size(); i++) {
      int portNumber =
          entry.endpoints().isEmpty()
              ? port.targetPort()
              : entry.endpoints().get(i).targetPort(port);
      locality.addLbEndpoints(StaticClusterFactory.lbEndpoint(names.get(i), portNumber));
    }
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(clusterName)
        .addEndpoints(locality)
        .build();
  }
}
