package io.outrigger.controlplane.generate.cluster;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.model.TrafficPolicy;
import io.outrigger.sidecar.SidecarPorts;
import java.util.List;
import java.util.Optional;

/**
 * Clusters that need no discovery: passthrough to the original destination (outbound and inbound),
 * the black hole, and the inbound clusters to the app on loopback. Inbound ones bind to 127.0.0.6
 * so the capture rules, which exempt that source, do not send the proxy's own connection back to
 * itself.
 */
public final class StaticClusterFactory {
  private static final BindConfig INBOUND_SOURCE =
      BindConfig.newBuilder()
          .setSourceAddress(
              SocketAddress.newBuilder()
                  .setAddress(SidecarPorts.INBOUND_PASSTHROUGH_SOURCE)
                  .setPortValue(0))
          .build();

  private StaticClusterFactory() {}

  /** Shared by every proxy. */
  public static List<Cluster> meshWide() {
    return List.of(passthrough(), blackHole(), inboundPassthrough());
  }

  static Cluster passthrough() {
    return Cluster.newBuilder()
        .setName(ResourceNames.PASSTHROUGH_CLUSTER)
        .setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
        .setConnectTimeout(OutboundClusterFactory.CONNECT_TIMEOUT)
        .build();
  }

  static Cluster blackHole() {
    return Cluster.newBuilder()
        .setName(ResourceNames.BLACKHOLE_CLUSTER)
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(OutboundClusterFactory.CONNECT_TIMEOUT)
        .build();
  }

  static Cluster inboundPassthrough() {
    return Cluster.newBuilder()
        .setName(ResourceNames.INBOUND_PASSTHROUGH_CLUSTER)
        .setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
        .setConnectTimeout(OutboundClusterFactory.CONNECT_TIMEOUT)
        .setUpstreamBindConfig(INBOUND_SOURCE)
        .build();
  }

  /** {@code inbound|<targetPort>||}: the local app, on loopback. */
  public static Cluster inbound(int targetPort, boolean http2) {
    return loopback(ResourceNames.inboundCluster(targetPort), targetPort, http2);
  }

  /**
   * {@code inbound|<port>||} of a port whose app is not simply on loopback at the same port, or
   * that has a connection pool (a Sidecar's ingress listener, its {@code inboundConnectionPool}):
   * the app at {@code appAddress:appPort}, or each connection's original destination when {@code
   * appAddress} is null; from the inbound passthrough source either way.
   */
  public static Cluster inbound(
      int port,
      String appAddress,
      int appPort,
      boolean http2,
      Optional<TrafficPolicy.ConnectionPool> connectionPool) {
    String name = ResourceNames.inboundCluster(port);
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setConnectTimeout(OutboundClusterFactory.CONNECT_TIMEOUT)
            .setUpstreamBindConfig(INBOUND_SOURCE);
    if (appAddress == null) {
      cluster
          .setType(Cluster.DiscoveryType.ORIGINAL_DST)
          .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
    } else {
      cluster
          .setType(Cluster.DiscoveryType.STATIC)
          .setLoadAssignment(oneEndpoint(name, appAddress, appPort));
    }
    TrafficPolicy policy = new TrafficPolicy(connectionPool, Optional.empty(), Optional.empty());
    if (!ClusterPolicies.apply(policy, http2, cluster) && http2) {
      OutboundClusterFactory.useHttp2(cluster);
    }
    return cluster.build();
  }

  /** A cluster of the local app's port on loopback, from the inbound passthrough source address. */
  public static Cluster loopback(String name, int port, boolean http2) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setType(Cluster.DiscoveryType.STATIC)
            .setConnectTimeout(OutboundClusterFactory.CONNECT_TIMEOUT)
            .setUpstreamBindConfig(INBOUND_SOURCE)
            .setLoadAssignment(oneEndpoint(name, "127.0.0.1", port));
    if (http2) {
      OutboundClusterFactory.useHttp2(cluster);
    }
    return cluster.build();
  }

  /** An endpoint of a cluster: an address (an IP, or a name for DNS clusters) and a port. */
  public static LbEndpoint.Builder lbEndpoint(String address, int port) {
    return LbEndpoint.newBuilder()
        .setEndpoint(
            Endpoint.newBuilder()
                .setAddress(
                    Address.newBuilder()
                        .setSocketAddress(
                            SocketAddress.newBuilder().setAddress(address).setPortValue(port))));
  }

  /** The load assignment of a cluster with one fixed endpoint (an address, or a name for DNS). */
  static ClusterLoadAssignment oneEndpoint(String name, String address, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(name)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(lbEndpoint(address, port)))
        .build();
  }
}
