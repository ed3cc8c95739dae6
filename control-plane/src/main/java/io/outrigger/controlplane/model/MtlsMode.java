package io.outrigger.controlplane.model;

/** PeerAuthentication mtls.mode. UNSET inherits from the next broader policy. */
public enum MtlsMode {
  UNSET,
  DISABLE,
  PERMISSIVE,
  STRICT
}
