package io.outrigger.controlplane.model;

import java.util.Map;

/**
 * A traffic policy and its {@code portLevelSettings}: the port's own policy overrides the general
 * one, per part.
 */
public record PortedPolicy(TrafficPolicy policy, Map<Integer, TrafficPolicy> portLevel) {
  public static final PortedPolicy NONE = new PortedPolicy(TrafficPolicy.NONE, Map.of());

  public PortedPolicy {
    portLevel = Map.copyOf(portLevel);
  }

  public TrafficPolicy forPort(int port) {
    TrafficPolicy own = portLevel.get(port);
    return own == null ? policy : policy.overriddenBy(own);
  }
}
