package io.outrigger.controlplane.model;

import java.time.Duration;
import java.util.Optional;

/**
 * The client-side policy of a DestinationRule (top level, per port, per subset): connection pool
 * (circuit breaking), outlier detection and load balancing. Each part is empty when not set, so
 * layers merge the way Istio merges them: a more specific layer replaces a part it sets, whole.
 */
public record TrafficPolicy(
    Optional<ConnectionPool> connectionPool,
    Optional<OutlierDetection> outlierDetection,
    Optional<LoadBalancer> loadBalancer) {
  public static final TrafficPolicy NONE =
      new TrafficPolicy(Optional.empty(), Optional.empty(), Optional.empty());

  /** {@code over}'s parts where it sets them, else this one's. */
  public TrafficPolicy overriddenBy(TrafficPolicy over) {
    return new TrafficPolicy(
        over.connectionPool.or(() -> connectionPool),
        over.outlierDetection.or(() -> outlierDetection),
        over.loadBalancer.or(() -> loadBalancer));
  }

  /** Null numbers and durations are not set. */
  public record ConnectionPool(
      Integer maxConnections,
      Duration connectTimeout,
      Integer http1MaxPendingRequests,
      Integer http2MaxRequests,
      Integer maxRequestsPerConnection,
      Integer maxRetries,
      Duration idleTimeout) {}

  /** Null numbers and durations are not set (Envoy's defaults apply). */
  public record OutlierDetection(
      Integer consecutive5xxErrors,
      Integer consecutiveGatewayErrors,
      Duration interval,
      Duration baseEjectionTime,
      Integer maxEjectionPercent,
      Integer minHealthPercent) {}

  public enum Simple {
    ROUND_ROBIN,
    LEAST_REQUEST,
    RANDOM
  }

  /**
   * Either a simple policy or a consistent hash (ring hash) on one key: a header, a cookie, the
   * source IP or a query parameter. Strings are empty when not that key.
   */
  public record LoadBalancer(Simple simple, HashKey hashKey, long minimumRingSize) {
    public boolean consistentHash() {
      return hashKey != null;
    }
  }

  /**
   * Exactly one of the fields is set; {@code cookieTtl} and {@code cookiePath} go with {@code
   * cookie}.
   */
  public record HashKey(
      String header,
      String cookie,
      Duration cookieTtl,
      String cookiePath,
      boolean sourceIp,
      String queryParameter) {}
}
