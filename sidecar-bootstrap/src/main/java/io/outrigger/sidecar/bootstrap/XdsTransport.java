package io.outrigger.sidecar.bootstrap;

/** How the sidecar reaches the control plane's ADS endpoint. */
public enum XdsTransport {
  /**
   * The TLS xDS port (15012): Envoy's {@code google_grpc} client verifies the control plane with
   * the mesh root and sends the projected service-account token as call credentials.
   */
  TLS_TOKEN,
  /**
   * The plaintext xDS port (15010), for loopback and host mode only: an {@code envoy_grpc} cluster.
   */
  PLAINTEXT
}
