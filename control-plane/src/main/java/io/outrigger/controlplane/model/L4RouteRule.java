package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A VirtualService {@code tcp} or {@code tls} route: the first rule with a match that holds sends
 * the connection to its weighted destinations. A rule without matches matches every connection.
 */
public record L4RouteRule(List<L4Match> matches, List<RouteDestination> destinations) {
  public L4RouteRule {
    matches = List.copyOf(matches);
    destinations = List.copyOf(destinations);
  }

  /**
   * One match of a rule; all its conditions must hold. {@code port} 0 is any port; empty {@code
   * destinationSubnets} any destination; empty {@code sniHosts} any server name (tcp routes have
   * none). The conditions on the client are decided per proxy, as Istio does: empty {@code
   * sourceLabels} any client, null {@code sourceNamespace} any namespace, and a match naming {@code
   * gateways} applies to sidecars only when they include {@code mesh}.
   */
  public record L4Match(
      int port,
      List<Cidr> destinationSubnets,
      List<String> sniHosts,
      Map<String, String> sourceLabels,
      String sourceNamespace,
      List<String> gateways) {
    public L4Match {
      destinationSubnets = List.copyOf(destinationSubnets);
      sniHosts = List.copyOf(sniHosts);
      sourceLabels = Map.copyOf(sourceLabels);
      gateways = List.copyOf(gateways);
    }

    /** Without conditions on the client. */
    public L4Match(int port, List<Cidr> destinationSubnets, List<String> sniHosts) {
      this(port, destinationSubnets, sniHosts, Map.of(), null, List.of());
    }

    /**
     * Whether this match holds for a sidecar in {@code proxyNamespace} (Istio checks gateways,
     * sourceLabels and sourceNamespace together for tcp and tls matches).
     *
     * @param clientHas whether the client's labels include a sourceLabels selector
     */
    public boolean holdsForClient(String proxyNamespace, Predicate<Map<String, String>> clientHas) {
      return (gateways.isEmpty() || gateways.contains(HttpMatch.MESH_GATEWAY))
          && (sourceLabels.isEmpty() || clientHas.test(sourceLabels))
          && (sourceNamespace == null || sourceNamespace.equals(proxyNamespace));
    }

    /** Whether this match can hold for a connection to {@code vip}:{@code servicePort}. */
    public boolean appliesTo(String vip, int servicePort) {
      return (port == 0 || port == servicePort)
          && (destinationSubnets.isEmpty()
              || destinationSubnets.stream().anyMatch(c -> c.contains(vip)));
    }
  }
}
