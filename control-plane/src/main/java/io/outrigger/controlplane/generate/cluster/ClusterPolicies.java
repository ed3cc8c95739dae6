package io.outrigger.controlplane.generate.cluster;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.type.v3.Percent;
import io.outrigger.controlplane.model.TrafficPolicy;

/**
 * A DestinationRule's traffic policy on an outbound cluster, in Istio's shapes: connectionPool as
 * circuit breaker thresholds (unset ones at Istio's "no limit"), connect timeout and HTTP protocol
 * options; outlierDetection; loadBalancer (a consistent hash becomes a ring hash; its key goes on
 * the routes).
 */
final class ClusterPolicies {
  private static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  /** Istio's default for every threshold it does not set: effectively no limit. */
  private static final int NO_LIMIT = Integer.MAX_VALUE;

  private ClusterPolicies() {}

  /**
   * @return true when it set the cluster's HTTP protocol options (they then carry the HTTP/2
   *     choice)
   */
  static boolean apply(TrafficPolicy policy, boolean http2, Cluster.Builder cluster) {
    policy.loadBalancer().ifPresent(lb -> loadBalancer(lb, cluster));
    policy.outlierDetection().ifPresent(o -> outlier(o, cluster));
    return policy.connectionPool().map(pool -> connectionPool(pool, http2, cluster)).orElse(false);
  }

  private static void loadBalancer(TrafficPolicy.LoadBalancer lb, Cluster.Builder cluster) {
    if (lb.consistentHash()) {
      cluster.setLbPolicy(Cluster.LbPolicy.RING_HASH);
      if (lb.minimumRingSize() > 0) {
        cluster.setRingHashLbConfig(
            Cluster.RingHashLbConfig.newBuilder()
                .setMinimumRingSize(UInt64Value.of(lb.minimumRingSize())));
      }
      return;
    }
    cluster.setLbPolicy(
        switch (lb.simple()) {
          case ROUND_ROBIN -> Cluster.LbPolicy.ROUND_ROBIN;
          case LEAST_REQUEST -> Cluster.LbPolicy.LEAST_REQUEST;
          case RANDOM -> Cluster.LbPolicy.RANDOM;
        });
  }

  /** As Istio: a threshold set enforces 100 %, zero turns that detector off. */
  private static void outlier(TrafficPolicy.OutlierDetection o, Cluster.Builder cluster) {
    OutlierDetection.Builder out = OutlierDetection.newBuilder();
    if (o.consecutive5xxErrors() != null) {
      out.setConsecutive5Xx(UInt32Value.of(o.consecutive5xxErrors()))
          .setEnforcingConsecutive5Xx(UInt32Value.of(o.consecutive5xxErrors() > 0 ? 100 : 0));
    }
    if (o.consecutiveGatewayErrors() != null) {
      out.setConsecutiveGatewayFailure(UInt32Value.of(o.consecutiveGatewayErrors()))
          .setEnforcingConsecutiveGatewayFailure(
              UInt32Value.of(o.consecutiveGatewayErrors() > 0 ? 100 : 0));
    }
    if (o.interval() != null) {
      out.setInterval(duration(o.interval()));
    }
    if (o.baseEjectionTime() != null) {
      out.setBaseEjectionTime(duration(o.baseEjectionTime()));
    }
    if (o.maxEjectionPercent() != null) {
      out.setMaxEjectionPercent(UInt32Value.of(o.maxEjectionPercent()));
    }
    cluster.setOutlierDetection(out);
    if (o.minHealthPercent() != null) {
      cluster.setCommonLbConfig(
          Cluster.CommonLbConfig.newBuilder()
              .setHealthyPanicThreshold(Percent.newBuilder().setValue(o.minHealthPercent())));
    }
  }

  private static boolean connectionPool(
      TrafficPolicy.ConnectionPool pool, boolean http2, Cluster.Builder cluster) {
    cluster.setCircuitBreakers(
        CircuitBreakers.newBuilder()
            .addThresholds(
                CircuitBreakers.Thresholds.newBuilder()
                    .setPriority(RoutingPriority.DEFAULT)
                    .setMaxConnections(UInt32Value.of(orNoLimit(pool.maxConnections())))
                    .setMaxPendingRequests(
                        UInt32Value.of(orNoLimit(pool.http1MaxPendingRequests())))
                    .setMaxRequests(UInt32Value.of(orNoLimit(pool.http2MaxRequests())))
                    .setMaxRetries(UInt32Value.of(orNoLimit(pool.maxRetries())))));
    if (pool.connectTimeout() != null) {
      cluster.setConnectTimeout(duration(pool.connectTimeout()));
    }
    if (pool.maxRequestsPerConnection() == null && pool.idleTimeout() == null) {
      return false;
    }
    HttpProtocolOptions.Builder common = HttpProtocolOptions.newBuilder();
    if (pool.maxRequestsPerConnection() != null) {
      common.setMaxRequestsPerConnection(UInt32Value.of(pool.maxRequestsPerConnection()));
    }
    if (pool.idleTimeout() != null) {
      common.setIdleTimeout(duration(pool.idleTimeout()));
    }
    var explicit =
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig
            .newBuilder();
    if (http2) {
      explicit.setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance());
    } else {
      explicit.setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance());
    }
    cluster.putTypedExtensionProtocolOptions(
        HTTP_PROTOCOL_OPTIONS,
        Any.pack(
            io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                .setCommonHttpProtocolOptions(common)
                .setExplicitHttpConfig(explicit)
                .build()));
    return true;
  }

  private static int orNoLimit(Integer value) {
    return value == null ? NO_LIMIT : value;
  }

  private static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
