package io.outrigger.controlplane.model;

/**
 * DestinationRule trafficPolicy.tls.mode as far as the mesh supports it. UNSET means automatic
 * mTLS: TLS to endpoints that have a sidecar, plaintext to the others.
 */
public enum ClientTlsMode {
  UNSET,
  DISABLE,
  ISTIO_MUTUAL
}
