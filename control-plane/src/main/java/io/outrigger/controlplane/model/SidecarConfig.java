package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated Istio Sidecar: which proxies it applies to and what they may reach. Istio's rules for
 * which one applies to a workload: a Sidecar of the workload's namespace whose selector matches its
 * labels, else the one of its namespace without a selector, else the root namespace's one without a
 * selector (the mesh default); the first in name order when several qualify.
 *
 * @param selector {@code workloadSelector.labels}; empty for the namespace's default Sidecar
 * @param egressHosts what the proxy may reach: {@code ns/host} entries; every host of every
 *     namespace when the Sidecar has no egress
 * @param outboundTrafficPolicy what happens to traffic to unknown destinations; null: the mesh's
 */
public record SidecarConfig(
    String namespace,
    String name,
    Map<String, String> selector,
    List<EgressHost> egressHosts,
    OutboundTrafficPolicy outboundTrafficPolicy) {
  public SidecarConfig {
    Objects.requireNonNull(namespace);
    Objects.requireNonNull(name);
    selector = Map.copyOf(selector);
    egressHosts = List.copyOf(egressHosts);
  }

  /**
   * One {@code hosts} entry of an egress listener, {@code namespace/dnsName}: {@code namespace} is
   * {@code *} (any), {@code .} (the Sidecar's own), {@code ~} (none) or a name; {@code dnsName} is
   * a host as {@link HostMatch} matches it.
   */
  public record EgressHost(String namespace, String dnsName) {
    public static final EgressHost EVERYTHING = new EgressHost("*", "*");

    /**
     * True when a service (or VirtualService) of {@code objectNamespace} named {@code host} is
     * selected for a proxy of {@code proxyNamespace}.
     */
    public boolean selects(String objectNamespace, String host, String proxyNamespace) {
      boolean namespaceMatches =
          switch (namespace) {
            case "*" -> true;
            case "~" -> false;
            case "." -> objectNamespace.equals(proxyNamespace);
            default -> objectNamespace.equals(namespace);
          };
      return namespaceMatches && HostMatch.matches(dnsName, host);
    }

    @Override
    public String toString() {
      return namespace + "/" + dnsName;
    }
  }

  /**
   * True when any egress host selects an object of {@code objectNamespace} named {@code host} for a
   * proxy of {@code proxyNamespace}. {@code .} is the proxy's namespace: the same as the Sidecar's,
   * except for the root namespace's default, where Istio reads it as each workload's own.
   */
  public boolean egressSelects(String objectNamespace, String host, String proxyNamespace) {
    return egressHosts.stream().anyMatch(e -> e.selects(objectNamespace, host, proxyNamespace));
  }

  /** The Sidecar that applies to {@code workload}, by the rules of the class comment. */
  public static Optional<SidecarConfig> applying(
      List<SidecarConfig> sidecars, Workload workload, String rootNamespace) {
    Optional<SidecarConfig> selecting =
        sidecars.stream()
            .filter(s -> s.namespace().equals(workload.namespace()) && !s.selector().isEmpty())
            .filter(s -> Labels.matches(s.selector(), workload.labels()))
            .findFirst();
    if (selecting.isPresent()) {
      return selecting;
    }
    Optional<SidecarConfig> namespaceDefault =
        sidecars.stream()
            .filter(s -> s.namespace().equals(workload.namespace()) && s.selector().isEmpty())
            .findFirst();
    if (namespaceDefault.isPresent()) {
      return namespaceDefault;
    }
    return sidecars.stream()
        .filter(s -> s.namespace().equals(rootNamespace) && s.selector().isEmpty())
        .findFirst();
  }
}
