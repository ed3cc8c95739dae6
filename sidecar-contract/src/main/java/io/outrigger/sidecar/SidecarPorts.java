package io.outrigger.sidecar;

/**
 * The ports of the sidecar (DESIGN.md "Ports"), Istio's numbers so tooling and habits carry over.
 * The capture rules, the injected pod spec, the bootstrap and the generated listeners must all
 * agree on them.
 */
public final class SidecarPorts {

  /** Envoy's admin API, on 127.0.0.1 only. */
  public static final int ADMIN = 15000;

  /** Where the capture rules redirect the pod's outgoing TCP ({@code virtualOutbound}). */
  public static final int OUTBOUND_CAPTURE = 15001;

  /** Where the capture rules redirect the pod's incoming TCP ({@code virtualInbound}). */
  public static final int INBOUND_CAPTURE = 15006;

  /** The rewritten app probes ({@code /app-health/...}); never captured inbound. */
  public static final int APP_HEALTH = 15020;

  /** Envoy's readiness ({@link #READINESS_PATH}); never captured inbound. */
  public static final int READINESS = 15021;

  /** Envoy's Prometheus stats ({@link #PROMETHEUS_PATH}); never captured inbound. */
  public static final int PROMETHEUS = 15090;

  public static final String READINESS_PATH = "/healthz/ready";
  public static final String PROMETHEUS_PATH = "/stats/prometheus";

  /**
   * Source address of the sidecar's inbound connections to the app (Istio 1.10+): the capture rules
   * let it through, the inbound clusters bind it.
   */
  public static final String INBOUND_PASSTHROUGH_SOURCE = "127.0.0.6";

  private SidecarPorts() {}
}
