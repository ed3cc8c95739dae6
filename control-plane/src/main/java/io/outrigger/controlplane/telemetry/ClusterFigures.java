package io.outrigger.controlplane.telemetry;

/**
 * One outbound cluster's figures in one stats flush of one sidecar, cumulative since the sidecar
 * started: requests sent, 5xx answers (Envoy's own 503s included), TLS handshakes, request latency.
 */
public record ClusterFigures(
    long requests, long errors, long tlsHandshakes, LatencyHistogram latency) {
  public static final ClusterFigures NONE = new ClusterFigures(0, 0, 0, LatencyHistogram.EMPTY);

  /** What happened after {@code earlier}; counted from zero when a count went down (a restart). */
  public ClusterFigures since(ClusterFigures earlier) {
    if (earlier.requests > requests || earlier.errors > errors) {
      return this;
    }
    return new ClusterFigures(
        requests - earlier.requests,
        errors - earlier.errors,
        Math.max(0, tlsHandshakes - earlier.tlsHandshakes),
        latency.since(earlier.latency));
  }

  /**
   * Sums: two partial figures of one flush (each stat fills its own field), or two proxies of one
   * workload.
   */
  public ClusterFigures plus(ClusterFigures other) {
    return new ClusterFigures(
        requests + other.requests,
        errors + other.errors,
        tlsHandshakes + other.tlsHandshakes,
        latency.plus(other.latency));
  }
}
