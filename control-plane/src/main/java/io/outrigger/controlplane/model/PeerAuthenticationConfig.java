package io.outrigger.controlplane.model;

import java.util.Map;

/**
 * A validated PeerAuthentication. An empty selector makes it namespace-wide (mesh-wide in the root
 * namespace); {@code portLevel} keys are workload ports and only apply together with a selector, as
 * in Istio.
 */
public record PeerAuthenticationConfig(
    String namespace,
    String name,
    Map<String, String> selector,
    MtlsMode mode,
    Map<Integer, MtlsMode> portLevel) {
  public PeerAuthenticationConfig {
    selector = Map.copyOf(selector);
    portLevel = Map.copyOf(portLevel);
  }
}
