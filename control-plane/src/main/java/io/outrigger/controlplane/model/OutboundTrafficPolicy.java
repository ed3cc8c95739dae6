package io.outrigger.controlplane.model;

/**
 * What a sidecar does with outbound traffic to a destination the mesh does not know (Istio's
 * meshConfig).
 */
public enum OutboundTrafficPolicy {
  ALLOW_ANY,
  REGISTRY_ONLY
}
