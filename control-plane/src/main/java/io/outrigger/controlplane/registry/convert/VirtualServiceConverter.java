package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.api.networking.v1alpha3.Destination;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMirrorPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRouteDestination;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.outrigger.controlplane.model.ConfigError.Problem;
import io.outrigger.controlplane.model.Hostnames;
import io.outrigger.controlplane.model.HttpMatch;
import io.outrigger.controlplane.model.HttpRoutePolicy;
import io.outrigger.controlplane.model.HttpRouteRule;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Istio VirtualService to {@link VirtualServiceConfig}, checked against the mesh: every destination
 * is a known service (and port), every subset is defined by that host's DestinationRule, weights
 * sum to 100.
 */
public final class VirtualServiceConverter {
  private VirtualServiceConverter() {}

  /** Empty when the VirtualService is bound to gateways only, so it does not apply to sidecars. */
  public static Optional<VirtualServiceConfig> convert(
      VirtualService object, String namespace, MeshLookup mesh) throws InvalidConfigException {
    var spec = object.getSpec();
    if (spec == null || spec.getHosts() == null || spec.getHosts().isEmpty()) {
      throw new InvalidConfigException("spec.hosts is empty");
    }
    if (spec.getGateways() != null
        && !spec.getGateways().isEmpty()
        && !spec.getGateways().contains("mesh")) {
      return Optional.empty();
    }
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < spec.getHosts().size(); i++) {
      String host = spec.getHosts().get(i);
      if (host == null || host.isBlank()) {
        throw new InvalidConfigException("spec.hosts[" + i + "] is empty");
      }
      hosts.add(Hostnames.resolve(host, namespace));
    }
    List<HttpRouteRule> rules = new ArrayList<>();
    List<HTTPRoute> http = spec.getHttp() == null ? List.of() : spec.getHttp();
    for (int i = 0; i < http.size(); i++) {
      rules.add(rule(http.get(i), "http[" + i + "]", namespace, mesh));
    }
    return Optional.of(
        new VirtualServiceConfig(
            namespace,
            object.getMetadata().getName(),
            hosts,
            rules,
            L4RouteConverter.tcp(spec.getTcp(), namespace, mesh),
            L4RouteConverter.tls(spec.getTls(), namespace, mesh),
            ExportToConverter.convert(spec.getExportTo(), "spec.exportTo")));
  }

  private static HttpRouteRule rule(
      HTTPRoute route, String where, String namespace, MeshLookup mesh)
      throws InvalidConfigException {
    if (route.getDelegate() != null) {
      throw new InvalidConfigException(
          Problem.UNSUPPORTED, where + ".delegate is not supported by Outrigger yet");
    }
    List<HttpMatch> matches = new ArrayList<>();
    List<HTTPMatchRequest> specMatches = route.getMatch() == null ? List.of() : route.getMatch();
    for (int m = 0; m < specMatches.size(); m++) {
      matches.add(HttpMatchConverter.convert(specMatches.get(m), where + ".match[" + m + "]"));
    }
    List<HTTPRouteDestination> specRoute = route.getRoute() == null ? List.of() : route.getRoute();
    List<HttpRoutePolicy.Mirror> mirrors = mirrors(route, where, namespace, mesh);
    HttpRoutePolicy policy = HttpRoutePolicyConverter.convert(route, where, mirrors);
    Duration timeout = IstioDurations.parse(route.getTimeout(), where + ".timeout");
    if (policy.directResponse().isPresent()) {
      // Istio: a direct response answers the request itself, with no route or redirect.
      if (!specRoute.isEmpty()
          || !mirrors.isEmpty()
          || policy.rewrite().isPresent()
          || policy.redirect().isPresent()) {
        throw new InvalidConfigException(
            where + ": directResponse cannot be combined with route, redirect, mirror or rewrite");
      }
      return new HttpRouteRule(route.getName(), matches, List.of(), timeout, policy);
    }
    if (policy.redirect().isPresent()) {
      // Istio: a redirect answers the request itself, so it cannot also forward it.
      if (!specRoute.isEmpty() || !mirrors.isEmpty() || policy.rewrite().isPresent()) {
        throw new InvalidConfigException(
            where + ": redirect cannot be combined with route, mirror or rewrite");
      }
      return new HttpRouteRule(route.getName(), matches, List.of(), timeout, policy);
    }
    if (specRoute.isEmpty()) {
      throw new InvalidConfigException(where + ": route has no destinations");
    }
    List<RouteDestination> destinations = new ArrayList<>();
    for (int d = 0; d < specRoute.size(); d++) {
      destinations.add(
          destination(
              specRoute.get(d).getDestination(),
              specRoute.get(d).getWeight(),
              specRoute.size(),
              where + ".route[" + d + "]",
              namespace,
              mesh));
    }
    requireWeightsOf100(destinations, where);
    return new HttpRouteRule(route.getName(), matches, destinations, timeout, policy);
  }

  static void requireWeightsOf100(List<RouteDestination> destinations, String where)
      throws InvalidConfigException {
    int sum = destinations.stream().mapToInt(RouteDestination::weight).sum();
    if (sum != 100) {
      throw new InvalidConfigException(
          Problem.WEIGHTS, where + ": route weights sum to " + sum + ", must be 100");
    }
  }

  /** Istio's {@code mirror} (with mirrorPercentage) or its {@code mirrors}, not both. */
  private static List<HttpRoutePolicy.Mirror> mirrors(
      HTTPRoute route, String where, String namespace, MeshLookup mesh)
      throws InvalidConfigException {
    List<HTTPMirrorPolicy> list = route.getMirrors() == null ? List.of() : route.getMirrors();
    if (route.getMirror() != null && !list.isEmpty()) {
      throw new InvalidConfigException(where + ": mirror and mirrors cannot both be set");
    }
    List<HttpRoutePolicy.Mirror> mirrors = new ArrayList<>();
    if (route.getMirror() != null) {
      mirrors.add(
          new HttpRoutePolicy.Mirror(
              mirrorDestination(route.getMirror(), where + ".mirror", namespace, mesh),
              HttpRoutePolicyConverter.percent(
                  route.getMirrorPercentage(),
                  route.getMirrorPercent(),
                  where + ".mirrorPercentage")));
    }
    for (int i = 0; i < list.size(); i++) {
      String at = where + ".mirrors[" + i + "]";
      if (route.getMirrorPercentage() != null || route.getMirrorPercent() != null) {
        throw new InvalidConfigException(
            where + ": mirrorPercentage applies to mirror; give mirrors[].percentage instead");
      }
      mirrors.add(
          new HttpRoutePolicy.Mirror(
              mirrorDestination(list.get(i).getDestination(), at + ".destination", namespace, mesh),
              HttpRoutePolicyConverter.percent(list.get(i).getPercentage(), null, at)));
    }
    return mirrors;
  }

  private static RouteDestination mirrorDestination(
      Destination destination, String where, String namespace, MeshLookup mesh)
      throws InvalidConfigException {
    return destination(destination, null, 1, where, namespace, mesh);
  }

  /**
   * A route destination checked against the mesh; {@code weight} null is 100 for a lone
   * destination, else 0.
   */
  static RouteDestination destination(
      Destination d,
      Integer writtenWeight,
      int count,
      String where,
      String namespace,
      MeshLookup mesh)
      throws InvalidConfigException {
    if (d == null || d.getHost() == null) {
      throw new InvalidConfigException(where + ": destination.host is missing");
    }
    String written = d.getHost();
    String host = Hostnames.resolve(written, namespace);
    int weight = writtenWeight == null ? (count == 1 ? 100 : 0) : writtenWeight;
    if (weight < 0) {
      throw new InvalidConfigException(
          Problem.WEIGHTS, where + ": weight " + weight + " is negative");
    }
    String subset = d.getSubset();
    Optional<Service> service = mesh.service(host);
    if (service.isEmpty() && !mesh.complete()) {
      // A partial view cannot tell a host that does not exist from one applied later.
      return new RouteDestination(host, subset, 0, weight);
    }
    if (service.isEmpty()) {
      throw new InvalidConfigException(
          Problem.UNKNOWN_HOST, where + ": host \"" + written + "\" is not a service of the mesh");
    }
    if (subset != null
        && !subset.isEmpty()
        && (mesh.complete() || mesh.destinationRule(host).isPresent())
        && mesh.destinationRule(host).flatMap(dr -> dr.subset(subset)).isEmpty()) {
      throw new InvalidConfigException(
          Problem.UNKNOWN_SUBSET, where + ": unknown subset \"" + subset + "\" of host " + written);
    }
    return new RouteDestination(host, subset, port(d, service.get(), where, written), weight);
  }

  /** As Istio: the port may be left out only when the destination service has exactly one. */
  private static int port(Destination d, Service service, String where, String written)
      throws InvalidConfigException {
    var selector = d.getPort();
    if (selector != null && selector.getNumber() != null) {
      int number = selector.getNumber().intValue();
      if (service.port(number).isEmpty()) {
        throw new InvalidConfigException(
            Problem.UNKNOWN_PORT, where + ": host " + written + " has no port " + number);
      }
      return number;
    }
    if (service.ports().size() != 1) {
      throw new InvalidConfigException(
          Problem.UNKNOWN_PORT,
          where
              + ": host "
              + written
              + " has "
              + service.ports().size()
              + " ports, destination.port.number is required");
    }
    return service.ports().getFirst().port();
  }
}
