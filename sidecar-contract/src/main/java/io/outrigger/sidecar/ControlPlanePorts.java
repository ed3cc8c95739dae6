package io.outrigger.sidecar;

/** The control plane ports a sidecar dials (DESIGN.md "Ports"). */
public final class ControlPlanePorts {

  /** Plaintext ADS, loopback and host mode only. */
  public static final int XDS_PLAINTEXT = 15010;

  /** TLS ADS and the CA service, token-authenticated: what injected sidecars dial. */
  public static final int XDS_TLS = 15012;

  private ControlPlanePorts() {}
}
