package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.sidecar.SidecarPorts;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code virtualInbound} on 15006: every connection captured on its way in, matched by original
 * destination port. Per port and mTLS mode: STRICT accepts only mesh mTLS (plaintext lands on a
 * chain that drops it), PERMISSIVE takes mesh mTLS (recognised by the mesh ALPN) and anything else
 * as plaintext, DISABLE takes plaintext only. Ports no service names pass through to the app under
 * the workload's own mode.
 */
public final class InboundListenerFactory {
  /** What a mesh client offers in ALPN; a PERMISSIVE port routes on it. */
  private static final List<String> MESH_ALPN =
      List.of("istio-peer-exchange", "istio", "istio-http/1.0", "istio-http/1.1", "istio-h2");

  /** original_dst first: a bound listener takes the others only. */
  private static final List<ListenerFilter> LISTENER_FILTERS =
      List.of(
          listenerFilter("envoy.filters.listener.original_dst", OriginalDst.getDefaultInstance()),
          listenerFilter("envoy.filters.listener.tls_inspector", TlsInspector.getDefaultInstance()),
          listenerFilter(
              "envoy.filters.listener.http_inspector", HttpInspector.getDefaultInstance()));

  private InboundListenerFactory() {}

  public static Listener virtualInbound(InboundPlan plan) {
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(ResourceNames.VIRTUAL_INBOUND)
            .setAddress(OutboundListenerFactory.address("0.0.0.0", SidecarPorts.INBOUND_CAPTURE))
            .setTrafficDirection(TrafficDirection.INBOUND)
            .addAllListenerFilters(LISTENER_FILTERS)
            // server-first protocols send nothing for the inspectors to see: carry on rather than
            // hang
            .setContinueOnListenerFiltersTimeout(true);
    for (InboundPort port : plan.ports()) {
      if (port.boundAddress() == null) {
        listener.addAllFilterChains(portChains(port, plan));
      }
    }
    addPassthrough(listener, plan.defaultMode(), InboundRbac.networkFilters(plan.authorization()));
    return listener.build();
  }

  /**
   * Istio's captureMode NONE on a Sidecar ingress listener: the proxy binds the port itself ({@code
   * inbound_<address>_<port>}), with the same chains as a captured port (mTLS mode, authentication,
   * authorization); the port must be left out of the capture rules ({@code
   * traffic.sidecar.istio.io/excludeInboundPorts}) for connections to reach it.
   */
  public static List<Listener> boundListeners(InboundPlan plan) {
    List<Listener> listeners = new ArrayList<>();
    for (InboundPort port : plan.ports()) {
      if (port.boundAddress() != null) {
        listeners.add(
            Listener.newBuilder()
                .setName(boundListenerName(port))
                .setAddress(OutboundListenerFactory.address(port.boundAddress(), port.targetPort()))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addAllListenerFilters(LISTENER_FILTERS.subList(1, LISTENER_FILTERS.size()))
                .setContinueOnListenerFiltersTimeout(true)
                .addAllFilterChains(portChains(port, plan))
                .build());
      }
    }
    return listeners;
  }

  /** Not Istio's {@code <address>_<port>}: that is an outbound listener's name here. */
  static String boundListenerName(InboundPort port) {
    return "inbound_" + port.boundAddress() + "_" + port.targetPort();
  }

  private static List<FilterChain> portChains(InboundPort port, InboundPlan plan) {
    String cluster = ResourceNames.inboundCluster(port.targetPort());
    List<Filter> app =
        port.protocol().isHttp()
            ? List.of(NetworkFilters.inboundHttp(port.targetPort(), cluster, httpSecurity(plan)))
            : withRbac(
                InboundRbac.networkFilters(plan.authorization()),
                NetworkFilters.tcpProxy(cluster, cluster));
    FilterChainMatch.Builder onPort =
        FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port.targetPort()));
    String base = cluster.substring(0, cluster.length() - 1); // "inbound|9080|"
    return switch (port.mode()) {
      case STRICT ->
          List.of(
              mtls(base + "mtls", onPort.clone().setTransportProtocol("tls"), app),
              chain(base + "deny", onPort.clone(), List.of(denied())));
      case DISABLE -> List.of(chain(base + "plaintext", onPort.clone(), app));
      case PERMISSIVE, UNSET ->
          List.of(
              mtls(
                  base + "mtls",
                  onPort.clone().setTransportProtocol("tls").addAllApplicationProtocols(MESH_ALPN),
                  app),
              chain(base + "plaintext", onPort.clone(), app));
    };
  }

  /**
   * Ports no service names get the workload's L4 authorization too: a policy does not stop at named
   * ports.
   */
  private static void addPassthrough(Listener.Builder listener, MtlsMode mode, List<Filter> rbac) {
    List<Filter> passthrough =
        withRbac(
            rbac,
            NetworkFilters.tcpProxy(
                ResourceNames.INBOUND_PASSTHROUGH_CLUSTER,
                ResourceNames.INBOUND_PASSTHROUGH_CLUSTER));
    FilterChainMatch.Builder tls = FilterChainMatch.newBuilder().setTransportProtocol("tls");
    if (mode == MtlsMode.STRICT) {
      listener.addFilterChains(mtls("inbound-passthrough|mtls", tls, passthrough));
      return;
    }
    if (mode != MtlsMode.DISABLE) {
      listener.addFilterChains(
          mtls("inbound-passthrough|mtls", tls.addAllApplicationProtocols(MESH_ALPN), passthrough));
    }
    listener.setDefaultFilterChain(
        FilterChain.newBuilder()
            .setName("inbound-passthrough|plaintext")
            .addAllFilters(passthrough));
  }

  private static FilterChain mtls(String name, FilterChainMatch.Builder match, List<Filter> app) {
    return FilterChain.newBuilder()
        .setName(name)
        .setFilterChainMatch(match)
        .setTransportSocket(DownstreamTls.mutual())
        .addAllFilters(app)
        .build();
  }

  private static FilterChain chain(String name, FilterChainMatch.Builder match, List<Filter> app) {
    return FilterChain.newBuilder()
        .setName(name)
        .setFilterChainMatch(match)
        .addAllFilters(app)
        .build();
  }

  /** JWT verification first: the RBAC filters read what it verified. */
  private static List<HttpFilter> httpSecurity(InboundPlan plan) {
    List<HttpFilter> filters = new ArrayList<>(InboundJwt.httpFilters(plan.authentication()));
    filters.addAll(InboundRbac.httpFilters(plan.authorization()));
    return filters;
  }

  private static List<Filter> withRbac(List<Filter> rbac, Filter last) {
    List<Filter> filters = new ArrayList<>(rbac);
    filters.add(last);
    return List.copyOf(filters);
  }

  /** A black-hole cluster has no endpoints: the connection is closed at once. */
  private static Filter denied() {
    return NetworkFilters.tcpProxy(
        "inbound_strict_plaintext_denied", ResourceNames.BLACKHOLE_CLUSTER);
  }

  private static ListenerFilter listenerFilter(String name, Message config) {
    return ListenerFilter.newBuilder().setName(name).setTypedConfig(Any.pack(config)).build();
  }
}
