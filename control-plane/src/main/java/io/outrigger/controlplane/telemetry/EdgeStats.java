package io.outrigger.controlplane.telemetry;

import io.outrigger.controlplane.generate.OutboundClusterName;

/**
 * What one workload's sidecars sent to one destination (service port and subset) during the window,
 * as those sidecars counted it. {@code successRate}, {@code p50Ms} and {@code p99Ms} are null when
 * no request was sent in the window; {@code mtls}: the sidecar completed TLS handshakes with this
 * destination (every in-mesh TLS connection of a sidecar is mutual).
 */
public record EdgeStats(
    String sourceNamespace,
    String sourceWorkload,
    OutboundClusterName destination,
    long requests,
    long errors,
    double seconds,
    Double p50Ms,
    Double p99Ms,
    boolean mtls) {

  /** Requests per second over the window. */
  public double rate() {
    return seconds <= 0 ? 0 : requests / seconds;
  }

  /** The share of requests not answered with a 5xx, 0..1; null without requests. */
  public Double successRate() {
    return requests == 0 ? null : (double) (requests - Math.min(errors, requests)) / requests;
  }

  public String source() {
    return sourceNamespace + "/" + sourceWorkload;
  }
}
