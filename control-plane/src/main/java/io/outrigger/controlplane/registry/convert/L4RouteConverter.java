package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.L4MatchAttributes;
import io.fabric8.istio.api.api.networking.v1alpha3.RouteDestination;
import io.fabric8.istio.api.api.networking.v1alpha3.TCPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSMatchAttributes;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSRoute;
import io.outrigger.controlplane.model.Cidr;
import io.outrigger.controlplane.model.ConfigError.Problem;
import io.outrigger.controlplane.model.L4RouteRule;
import io.outrigger.controlplane.model.L4RouteRule.L4Match;
import java.util.ArrayList;
import java.util.List;

/**
 * A VirtualService's {@code tcp} and {@code tls} routes to {@link L4RouteRule}s. The conditions on
 * the client (sourceLabels, sourceNamespace, gateways) are decided per proxy when its listeners are
 * built, as Istio does; {@code sourceSubnet} is refused: Istio does not apply it to sidecars.
 */
final class L4RouteConverter {
  private static final String SOURCE_SUBNET =
      "Istio does not apply it to sidecars (its route generation does not read it), and a sidecar's"
          + " outbound connections all come from its own pod";

  private L4RouteConverter() {}

  static List<L4RouteRule> tcp(List<TCPRoute> routes, String namespace, MeshLookup mesh)
      throws InvalidConfigException {
    List<L4RouteRule> rules = new ArrayList<>();
    List<TCPRoute> written = routes == null ? List.of() : routes;
    for (int i = 0; i < written.size(); i++) {
      String where = "tcp[" + i + "]";
      TCPRoute route = written.get(i);
      List<L4Match> matches = new ArrayList<>();
      List<L4MatchAttributes> specMatches = route.getMatch() == null ? List.of() : route.getMatch();
      for (int m = 0; m < specMatches.size(); m++) {
        L4MatchAttributes a = specMatches.get(m);
        String at = where + ".match[" + m + "]";
        if (a.getSourceSubnet() != null && !a.getSourceSubnet().isEmpty()) {
          throw new InvalidConfigException(
              Problem.UNSUPPORTED, at + ".sourceSubnet is not supported: " + SOURCE_SUBNET);
        }
        matches.add(
            new L4Match(
                port(a.getPort(), at),
                subnets(a.getDestinationSubnets(), at),
                List.of(),
                HttpMatchConverter.sourceLabels(a.getSourceLabels(), at),
                sourceNamespace(a.getSourceNamespace()),
                HttpMatchConverter.gateways(a.getGateways(), at)));
      }
      rules.add(new L4RouteRule(matches, destinations(route.getRoute(), where, namespace, mesh)));
    }
    return rules;
  }

  static List<L4RouteRule> tls(List<TLSRoute> routes, String namespace, MeshLookup mesh)
      throws InvalidConfigException {
    List<L4RouteRule> rules = new ArrayList<>();
    List<TLSRoute> written = routes == null ? List.of() : routes;
    for (int i = 0; i < written.size(); i++) {
      String where = "tls[" + i + "]";
      TLSRoute route = written.get(i);
      List<TLSMatchAttributes> specMatches =
          route.getMatch() == null ? List.of() : route.getMatch();
      if (specMatches.isEmpty()) {
        throw new InvalidConfigException(where + ".match: required (Istio routes TLS by SNI)");
      }
      List<L4Match> matches = new ArrayList<>();
      for (int m = 0; m < specMatches.size(); m++) {
        TLSMatchAttributes a = specMatches.get(m);
        String at = where + ".match[" + m + "]";
        List<String> sni = a.getSniHosts() == null ? List.of() : a.getSniHosts();
        if (sni.isEmpty()) {
          throw new InvalidConfigException(at + ".sniHosts: required");
        }
        for (String host : sni) {
          if (host == null
              || host.isBlank()
              || (host.contains("*")
                  && !host.equals("*")
                  && !(host.startsWith("*.") && !host.substring(1).contains("*")))) {
            throw new InvalidConfigException(
                at + ".sniHosts: \"" + host + "\" is not a host name or a *.suffix wildcard");
          }
        }
        matches.add(
            new L4Match(
                port(a.getPort(), at),
                subnets(a.getDestinationSubnets(), at),
                sni,
                HttpMatchConverter.sourceLabels(a.getSourceLabels(), at),
                sourceNamespace(a.getSourceNamespace()),
                HttpMatchConverter.gateways(a.getGateways(), at)));
      }
      rules.add(new L4RouteRule(matches, destinations(route.getRoute(), where, namespace, mesh)));
    }
    return rules;
  }

  private static String sourceNamespace(String written) {
    return written == null || written.isEmpty() ? null : written;
  }

  private static int port(Long port, String at) throws InvalidConfigException {
    if (port == null) {
      return 0;
    }
    if (port < 1 || port > 65535) {
      throw new InvalidConfigException(at + ".port: " + port + " is not in 1..65535");
    }
    return port.intValue();
  }

  private static List<Cidr> subnets(List<String> written, String at) throws InvalidConfigException {
    List<Cidr> out = new ArrayList<>();
    for (String subnet : written == null ? List.<String>of() : written) {
      try {
        out.add(Cidr.parse(subnet == null ? "" : subnet));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(at + ".destinationSubnets: " + e.getMessage());
      }
    }
    return out;
  }

  private static List<io.outrigger.controlplane.model.RouteDestination> destinations(
      List<RouteDestination> route, String where, String namespace, MeshLookup mesh)
      throws InvalidConfigException {
    List<RouteDestination> written = route == null ? List.of() : route;
    if (written.isEmpty()) {
      throw new InvalidConfigException(where + ": route has no destinations");
    }
    List<io.outrigger.controlplane.model.RouteDestination> out = new ArrayList<>();
    for (int d = 0; d < written.size(); d++) {
      out.add(
          VirtualServiceConverter.destination(
              written.get(d).getDestination(),
              written.get(d).getWeight(),
              written.size(),
              where + ".route[" + d + "]",
              namespace,
              mesh));
    }
    VirtualServiceConverter.requireWeightsOf100(out, where);
    return out;
  }
}
