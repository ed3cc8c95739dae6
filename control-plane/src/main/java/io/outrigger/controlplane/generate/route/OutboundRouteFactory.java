package io.outrigger.controlplane.generate.route;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.generate.scope.OutboundView;
import io.outrigger.controlplane.model.HttpMatch;
import io.outrigger.controlplane.model.HttpRoutePolicy;
import io.outrigger.controlplane.model.HttpRouteRule;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.TrafficPolicy;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Outbound HTTP route configurations, one per port ("9080") with a virtual host per service on that
 * port. VirtualService routes keep their written order, so the first match wins; a service without
 * a VirtualService gets one catch-all route to its own cluster. The result depends on the proxy's
 * namespace (short host names resolve there) and on its {@link OutboundView}: the services,
 * VirtualServices and DestinationRules it may see, and its outbound traffic policy.
 */
public final class OutboundRouteFactory {
  /**
   * Istio disables Envoy's 15 s default route timeout: long calls and gRPC streams are the app's
   * business.
   */
  private static final Duration NO_TIMEOUT = Duration.getDefaultInstance();

  private OutboundRouteFactory() {}

  /** The HTTP ports of the services a proxy sees: one route configuration each. */
  public static Set<Integer> httpPorts(OutboundView view) {
    Set<Integer> ports = new TreeSet<>();
    view.listenerServices()
        .forEach(
            s ->
                s.ports().stream()
                    .filter(p -> p.protocol().isHttp())
                    .forEach(p -> ports.add(p.port())));
    return ports;
  }

  public static RouteConfiguration routeConfiguration(
      int port, String proxyNamespace, OutboundView view) {
    return routeConfiguration(port, proxyNamespace, view, UnaryOperator.identity());
  }

  /**
   * As {@link #routeConfiguration(int, String, OutboundView)}, each virtual host passed through
   * {@code share}, which may return an equal one built before: the route configurations of one port
   * differ by the proxy's namespace only in the virtual hosts of that namespace's services (their
   * short names), so the others can be the same objects in every namespace's configuration.
   */
  public static RouteConfiguration routeConfiguration(
      int port, String proxyNamespace, OutboundView view, UnaryOperator<VirtualHost> share) {
    RouteConfiguration.Builder config =
        RouteConfiguration.newBuilder().setName(ResourceNames.outboundRoute(port));
    Set<String> usedDomains = new HashSet<>();
    for (Service service : view.listenerServices()) {
      Optional<ServicePort> servicePort = service.port(port).filter(p -> p.protocol().isHttp());
      if (servicePort.isPresent()) {
        List<String> domains =
            domains(service, port, proxyNamespace).stream()
                .filter(
                    usedDomains
                        ::add) // a domain twice in one config is a NACK; the first service keeps it
                .toList();
        if (!domains.isEmpty()) {
          config.addVirtualHosts(
              share.apply(
                  VirtualHost.newBuilder()
                      .setName(ResourceNames.virtualHost(service.hostname(), port))
                      .addAllDomains(domains)
                      .addAllRoutes(routes(service, port, proxyNamespace, view))
                      .build()));
        }
      }
    }
    if (MeshHttpRoutes.referencesInvalidBackend(config)) {
      // A backendRef that does not resolve is a cluster that does not exist (its share gets a
      // 500), which Envoy would refuse in a route configuration that validates its clusters.
      config.setValidateClusters(BoolValue.of(false));
    }
    return config
        .addVirtualHosts(share.apply(unknownDestination(view.scope().unknownDestinationCluster())))
        .build();
  }

  private static Set<String> domains(Service service, int port, String proxyNamespace) {
    Set<String> names = new LinkedHashSet<>();
    names.add(service.hostname());
    if (service.entry() == null) {
      names.add(service.name() + "." + service.namespace() + ".svc");
      names.add(service.name() + "." + service.namespace());
      if (service.namespace().equals(proxyNamespace)) {
        names.add(service.name());
      }
    }
    names.addAll(service.vips());
    Set<String> domains = new LinkedHashSet<>();
    names.forEach(
        n -> {
          domains.add(n);
          domains.add(n + ":" + port);
        });
    return domains;
  }

  private static List<Route> routes(
      Service service, int port, String proxyNamespace, OutboundView view) {
    Optional<List<Route>> gatewayApi =
        MeshHttpRoutes.routes(service, port, proxyNamespace, view.mesh());
    if (gatewayApi.isPresent()) {
      return gatewayApi.get();
    }
    Optional<VirtualServiceConfig> vs = view.virtualService(service.hostname());
    if (vs.isEmpty()) {
      List<RouteDestination> own = List.of(new RouteDestination(service.hostname(), "", port, 100));
      return List.of(
          Route.newBuilder()
              .setName("default")
              .setMatch(RouteMatch.newBuilder().setPrefix("/"))
              .setRoute(action(own, java.time.Duration.ZERO, HttpRoutePolicy.DEFAULT_ROUTE, view))
              .build());
    }
    List<Route> routes = new ArrayList<>();
    for (HttpRouteRule rule : vs.get().http()) {
      // Port and client (namespace, labels, sidecar or gateway) are known here: a match that
      // cannot hold is left out, and a rule left without matches is too (it would otherwise match
      // everything), as in Istio.
      List<HttpMatch> matches =
          rule.matches().isEmpty()
              ? List.of(HttpMatch.any())
              : rule.matches().stream()
                  .filter(m -> m.appliesTo(port, proxyNamespace, view::clientHas))
                  .toList();
      RouteAction action =
          rule.destinations().isEmpty()
              ? null
              : action(rule.destinations(), rule.timeout(), rule.policy(), view);
      for (HttpMatch match : matches) {
        Route.Builder route = Route.newBuilder().setMatch(RouteMatches.of(match));
        if (action != null) {
          route.setRoute(action);
        }
        RoutePolicies.applyToRoute(rule.policy(), route);
        if (!rule.name().isEmpty()) {
          route.setName(rule.name());
        }
        routes.add(route.build());
      }
    }
    return routes;
  }

  private static RouteAction action(
      List<RouteDestination> destinations,
      java.time.Duration timeout,
      HttpRoutePolicy policy,
      OutboundView view) {
    RouteAction.Builder action =
        RouteAction.newBuilder()
            .setTimeout(
                timeout.isZero()
                    ? NO_TIMEOUT
                    : Duration.newBuilder()
                        .setSeconds(timeout.getSeconds())
                        .setNanos(timeout.getNano())
                        .build());
    List<RouteDestination> weighted = destinations.stream().filter(d -> d.weight() > 0).toList();
    // As Istio: the first destination whose DestinationRule asks for a consistent hash gives the
    // route's key.
    Optional<TrafficPolicy.HashKey> hash =
        weighted.stream().map(d -> hashKey(d, view)).flatMap(Optional::stream).findFirst();
    hash.ifPresent(key -> RoutePolicies.applyHash(key, action));
    RoutePolicies.applyToAction(policy, hash.isPresent(), action);
    if (weighted.size() == 1) {
      return action.setCluster(clusterOf(weighted.getFirst())).build();
    }
    WeightedCluster.Builder clusters = WeightedCluster.newBuilder();
    weighted.forEach(
        d ->
            clusters.addClusters(
                WeightedCluster.ClusterWeight.newBuilder()
                    .setName(clusterOf(d))
                    .setWeight(UInt32Value.of(d.weight()))));
    return action.setWeightedClusters(clusters).build();
  }

  private static Optional<TrafficPolicy.HashKey> hashKey(RouteDestination d, OutboundView view) {
    return view.destinationRule(d.host())
        .flatMap(rule -> rule.policyFor(d.subset(), d.port()).loadBalancer())
        .filter(TrafficPolicy.LoadBalancer::consistentHash)
        .map(TrafficPolicy.LoadBalancer::hashKey);
  }

  private static String clusterOf(RouteDestination d) {
    return ResourceNames.outboundCluster(d.port(), d.subset(), d.host());
  }

  /**
   * What happens to a Host no service claims: Istio's "allow_any" (passthrough, or the Sidecar's
   * egress proxy) or "block_all".
   */
  private static VirtualHost unknownDestination(String cluster) {
    Route.Builder route = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"));
    if (!cluster.equals(ResourceNames.BLACKHOLE_CLUSTER)) {
      route
          .setName("allow_any")
          .setRoute(RouteAction.newBuilder().setCluster(cluster).setTimeout(NO_TIMEOUT));
      return VirtualHost.newBuilder().setName("allow_any").addDomains("*").addRoutes(route).build();
    }
    route.setName("block_all").setDirectResponse(DirectResponseAction.newBuilder().setStatus(502));
    return VirtualHost.newBuilder().setName("block_all").addDomains("*").addRoutes(route).build();
  }
}
