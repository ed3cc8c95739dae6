package io.outrigger.controlplane.model;

/**
 * Mesh-wide settings: the root namespace whose selector-less PeerAuthentication applies to the
 * whole mesh, the SPIFFE trust domain, and the outbound policy for unknown destinations.
 */
public record MeshSettings(
    String rootNamespace, String trustDomain, OutboundTrafficPolicy outboundTrafficPolicy) {
  public static MeshSettings defaults() {
    return new MeshSettings("outrigger-system", "cluster.local", OutboundTrafficPolicy.ALLOW_ANY);
  }

  public MeshSettings withTrustDomain(String domain) {
    return new MeshSettings(rootNamespace, domain, outboundTrafficPolicy);
  }

  public MeshSettings withOutboundTrafficPolicy(OutboundTrafficPolicy policy) {
    return new MeshSettings(rootNamespace, trustDomain, policy);
  }
}
