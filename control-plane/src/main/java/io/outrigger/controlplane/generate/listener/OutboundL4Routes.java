package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.generate.scope.OutboundView;
import io.outrigger.controlplane.model.L4RouteRule;
import io.outrigger.controlplane.model.L4RouteRule.L4Match;
import io.outrigger.controlplane.model.Protocol;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The filter chains of an outbound TCP or TLS service listener, from the VirtualService of its
 * host, as Istio builds them: on a TLS port (TLS, HTTPS) each {@code tls} route match is a chain
 * chosen by the client's SNI; what no SNI chain takes follows the first {@code tcp} route that
 * applies to the port, else goes to the service itself. A listener is one VIP and port, so port and
 * destinationSubnets are decided here, once; so are the conditions on the client (sourceLabels,
 * sourceNamespace, gateways), since listeners are built per {@link OutboundView} and its scope
 * holds what they depend on.
 */
final class OutboundL4Routes {
  static final ListenerFilter TLS_INSPECTOR =
      ListenerFilter.newBuilder()
          .setName("envoy.filters.listener.tls_inspector")
          .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance()))
          .build();

  private OutboundL4Routes() {}

  /** True when a chain matches on SNI, which needs the TLS inspector on the listener. */
  static boolean readsSni(List<FilterChain> chains) {
    return chains.stream().anyMatch(c -> c.getFilterChainMatch().getServerNamesCount() > 0);
  }

  static List<FilterChain> filterChains(Service service, ServicePort port, OutboundView view) {
    Optional<VirtualServiceConfig> vs = view.virtualService(service.hostname());
    String own = ResourceNames.outboundCluster(port.port(), "", service.hostname());
    List<FilterChain> chains = new ArrayList<>();
    if (vs.isPresent() && isTls(port.protocol())) {
      Set<String> taken = new HashSet<>();
      for (L4RouteRule rule : vs.get().tls()) {
        for (L4Match match : rule.matches()) {
          if (!applies(match, service, port, view)) {
            continue;
          }
          if (match.sniHosts().contains("*")) {
            // Every name: this rule is the fallback, later rules cannot be reached.
            chains.add(chain(own, rule.destinations()).build());
            return chains;
          }
          // First match wins, as in Istio: a name an earlier match took stays with it.
          List<String> names = match.sniHosts().stream().filter(taken::add).toList();
          if (!names.isEmpty()) {
            FilterChain.Builder chain = chain(own, rule.destinations());
            chain.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(names));
            chains.add(chain.build());
          }
        }
      }
    }
    List<RouteDestination> fallback =
        vs.flatMap(v -> firstTcpRule(v, service, port, view))
            .map(L4RouteRule::destinations)
            .orElse(null);
    chains.add(
        fallback == null
            ? FilterChain.newBuilder().addFilters(NetworkFilters.tcpProxy(own, own)).build()
            : chain(own, fallback).build());
    return chains;
  }

  private static boolean isTls(Protocol protocol) {
    return protocol == Protocol.TLS || protocol == Protocol.HTTPS;
  }

  private static Optional<L4RouteRule> firstTcpRule(
      VirtualServiceConfig vs, Service service, ServicePort port, OutboundView view) {
    return vs.tcp().stream()
        .filter(
            r ->
                r.matches().isEmpty()
                    || r.matches().stream().anyMatch(m -> applies(m, service, port, view)))
        .findFirst();
  }

  private static boolean applies(
      L4Match match, Service service, ServicePort port, OutboundView view) {
    return match.appliesTo(service.vip(), port.port())
        && match.holdsForClient(view.scope().namespace(), view::clientHas);
  }

  private static FilterChain.Builder chain(String statPrefix, List<RouteDestination> to) {
    List<RouteDestination> weighted = to.stream().filter(d -> d.weight() > 0).toList();
    TcpProxy.Builder proxy = TcpProxy.newBuilder().setStatPrefix(statPrefix);
    if (weighted.size() == 1) {
      proxy.setCluster(cluster(weighted.getFirst()));
    } else {
      TcpProxy.WeightedCluster.Builder clusters = TcpProxy.WeightedCluster.newBuilder();
      weighted.forEach(
          d ->
              clusters.addClusters(
                  TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                      .setName(cluster(d))
                      .setWeight(d.weight())));
      proxy.setWeightedClusters(clusters);
    }
    return FilterChain.newBuilder()
        .addFilters(
            Filter.newBuilder()
                .setName("envoy.filters.network.tcp_proxy")
                .setTypedConfig(Any.pack(proxy.build())));
  }

  private static String cluster(RouteDestination d) {
    return ResourceNames.outboundCluster(d.port(), d.subset(), d.host());
  }
}
