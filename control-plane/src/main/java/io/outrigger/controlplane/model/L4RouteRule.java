package io.outrigger.controlplane.model;

import java.util.List;

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
   * none).
   */
  public record L4Match(int port, List<Cidr> destinationSubnets, List<String> sniHosts) {
    public L4Match {
      destinationSubnets = List.copyOf(destinationSubnets);
      sniHosts = List.copyOf(sniHosts);
    }

    /** Whether this match can hold for a connection to {@code vip}:{@code servicePort}. */
    public boolean appliesTo(String vip, int servicePort) {
      return (port == 0 || port == servicePort)
          && (destinationSubnets.isEmpty()
              || destinationSubnets.stream().anyMatch(c -> c.contains(vip)));
    }
  }
}
