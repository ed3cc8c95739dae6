package io.outrigger.controlplane.generate.cluster;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.outrigger.controlplane.generate.naming.ConfigSources;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.generate.scope.OutboundView;
import io.outrigger.controlplane.model.ClientTlsMode;
import io.outrigger.controlplane.model.Labels;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.SubsetConfig;
import io.outrigger.controlplane.model.TrafficPolicy;
import io.outrigger.controlplane.model.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Outbound clusters, one per service port and per DestinationRule subset: EDS ones for Kubernetes
 * services, for ServiceEntries as their resolution says ({@link ServiceEntryClusters}). They depend
 * only on the target (service, port, subset, rule), never on the proxy asking, so proxies share the
 * same instances; which targets a proxy gets is its {@link OutboundView}'s business.
 */
public final class OutboundClusterFactory {
  static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(10).build();
  private static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  private static final Any HTTP2_OPTIONS =
      Any.pack(
          HttpProtocolOptions.newBuilder()
              .setExplicitHttpConfig(
                  HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                      .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
              .build());

  private final MeshSettings settings;

  public OutboundClusterFactory(MeshSettings settings) {
    this.settings = settings;
  }

  /**
   * A subset of a service port: the unit both a cluster and its ClusterLoadAssignment are built
   * for.
   */
  public record Target(
      Service service,
      ServicePort port,
      String subset,
      Map<String, String> subsetLabels,
      ClientTlsMode tls,
      TrafficPolicy policy) {
    public String clusterName() {
      return ResourceNames.outboundCluster(port.port(), subset, service.hostname());
    }

    public List<Workload> endpoints(MeshConfig mesh) {
      return mesh.workloadsOf(service.hostname()).stream()
          .filter(w -> Labels.matches(subsetLabels, w.labels()))
          .toList();
    }
  }

  /**
   * Every cluster target a proxy sees: each service port, then each of its subsets, with the
   * DestinationRule in force for that proxy.
   */
  public static List<Target> targets(OutboundView view) {
    List<Target> targets = new ArrayList<>();
    for (Service service : view.services()) {
      var rule = view.destinationRule(service.hostname());
      for (ServicePort port : service.ports()) {
        ClientTlsMode serviceTls = rule.map(r -> r.tls()).orElse(ClientTlsMode.UNSET);
        TrafficPolicy servicePolicy =
            rule.map(r -> r.policyFor("", port.port())).orElse(TrafficPolicy.NONE);
        targets.add(new Target(service, port, "", Map.of(), serviceTls, servicePolicy));
        for (SubsetConfig subset : rule.map(r -> r.subsets()).orElse(List.of())) {
          targets.add(
              new Target(
                  service,
                  port,
                  subset.name(),
                  subset.labels(),
                  rule.get().tlsFor(subset.name()),
                  rule.get().policyFor(subset.name(), port.port())));
        }
      }
    }
    return targets;
  }

  /**
   * Everything a cluster is built from. Endpoint addresses are not part of it (they travel in EDS),
   * so an endpoint move leaves the cluster, and its version, as it was.
   */
  public record ClusterInputs(
      Target target, List<String> peerSpiffeIds, List<String> inMeshPeerSpiffeIds) {}

  /**
   * @param mtlsReady the endpoints automatic mTLS may use: with a sidecar that accepts mTLS on this
   *     port
   */
  public ClusterInputs inputs(Target target, List<Workload> endpoints, List<Workload> mtlsReady) {
    String domain = settings.trustDomain();
    return new ClusterInputs(
        target,
        endpoints.stream().map(w -> w.spiffeId(domain)).distinct().sorted().toList(),
        mtlsReady.stream().map(w -> w.spiffeId(domain)).distinct().sorted().toList());
  }

  public Cluster cluster(ClusterInputs inputs) {
    Target target = inputs.target();
    String name = target.clusterName();
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setConnectTimeout(CONNECT_TIMEOUT)
            .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
    if (!ServiceEntryClusters.configureDiscovery(target, cluster)) {
      cluster
          .setType(Cluster.DiscoveryType.EDS)
          .setEdsClusterConfig(
              Cluster.EdsClusterConfig.newBuilder()
                  .setEdsConfig(ConfigSources.ads())
                  .setServiceName(name));
    }
    boolean http2 = target.port().protocol().isHttp2();
    if (!ClusterPolicies.apply(target.policy(), http2, cluster) && http2) {
      useHttp2(cluster);
    }
    if (cluster.getType() == Cluster.DiscoveryType.ORIGINAL_DST) {
      // The caller picked the endpoint: no balancing policy of a DestinationRule applies.
      cluster.setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
    }
    applyTls(cluster, inputs);
    return cluster.build();
  }

  /** Envoy speaks HTTP/1.1 upstream unless told otherwise; gRPC and h2c need HTTP/2 end to end. */
  static void useHttp2(Cluster.Builder cluster) {
    cluster.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, HTTP2_OPTIONS);
  }

  private void applyTls(Cluster.Builder cluster, ClusterInputs inputs) {
    Target target = inputs.target();
    if (target.tls() == ClientTlsMode.DISABLE) {
      return;
    }
    boolean forced = target.tls() == ClientTlsMode.ISTIO_MUTUAL;
    List<String> peers = forced ? inputs.peerSpiffeIds() : inputs.inMeshPeerSpiffeIds();
    var mtls =
        UpstreamTls.mutualTls(
            ResourceNames.outboundSni(
                target.port().port(), target.subset(), target.service().hostname()),
            peers);
    if (forced) {
      cluster.setTransportSocket(mtls);
    } else if (!inputs.inMeshPeerSpiffeIds().isEmpty()) {
      cluster.addAllTransportSocketMatches(UpstreamTls.automatic(mtls));
    }
  }
}
