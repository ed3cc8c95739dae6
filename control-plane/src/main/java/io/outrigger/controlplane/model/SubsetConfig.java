package io.outrigger.controlplane.model;

import java.util.Map;

/**
 * A DestinationRule subset: a named label selection of the host's workloads, with an optional TLS
 * override and traffic policy (which overrides the rule's, per part, as in Istio).
 */
public record SubsetConfig(
    String name, Map<String, String> labels, ClientTlsMode tls, PortedPolicy policy) {
  public SubsetConfig {
    labels = Map.copyOf(labels);
    policy = policy == null ? PortedPolicy.NONE : policy;
  }

  public SubsetConfig(String name, Map<String, String> labels, ClientTlsMode tls) {
    this(name, labels, tls, PortedPolicy.NONE);
  }
}
