package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Optional;

/** A validated DestinationRule for one host (resolved FQDN), and where it is visible. */
public record DestinationRuleConfig(
    String namespace,
    String name,
    String host,
    ClientTlsMode tls,
    List<SubsetConfig> subsets,
    PortedPolicy policy,
    ExportTo exportTo) {
  public DestinationRuleConfig {
    subsets = List.copyOf(subsets);
    policy = policy == null ? PortedPolicy.NONE : policy;
    exportTo = exportTo == null ? ExportTo.EVERYWHERE : exportTo;
  }

  public DestinationRuleConfig(
      String namespace,
      String name,
      String host,
      ClientTlsMode tls,
      List<SubsetConfig> subsets,
      PortedPolicy policy) {
    this(namespace, name, host, tls, subsets, policy, ExportTo.EVERYWHERE);
  }

  public DestinationRuleConfig(
      String namespace, String name, String host, ClientTlsMode tls, List<SubsetConfig> subsets) {
    this(namespace, name, host, tls, subsets, PortedPolicy.NONE);
  }

  public Optional<SubsetConfig> subset(String subsetName) {
    return subsets.stream().filter(s -> s.name().equals(subsetName)).findFirst();
  }

  /** The subset's own TLS mode wins over the rule's. */
  public ClientTlsMode tlsFor(String subsetName) {
    ClientTlsMode own = subset(subsetName).map(SubsetConfig::tls).orElse(ClientTlsMode.UNSET);
    return own != ClientTlsMode.UNSET ? own : tls;
  }

  /**
   * The policy in force for a subset ("" for the whole host) on a port, as Istio merges it: the
   * rule's policy, its port-level settings, the subset's policy, the subset's port-level settings.
   */
  public TrafficPolicy policyFor(String subsetName, int port) {
    TrafficPolicy rule = policy.forPort(port);
    return subset(subsetName).map(s -> rule.overriddenBy(s.policy().forPort(port))).orElse(rule);
  }
}
