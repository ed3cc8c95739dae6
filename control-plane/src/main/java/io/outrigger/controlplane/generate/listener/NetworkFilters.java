package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.ForwardClientCertDetails;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.SetCurrentClientCertDetails;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.outrigger.controlplane.generate.naming.ConfigSources;

/** The network filters a filter chain ends in: an HTTP connection manager or a TCP proxy. */
final class NetworkFilters {
  private static final HttpFilter ROUTER =
      HttpFilter.newBuilder()
          .setName("envoy.filters.http.router")
          .setTypedConfig(Any.pack(Router.getDefaultInstance()))
          .build();

  /**
   * Empty: it does nothing until a route configures it (VirtualService fault), as in Istio's
   * sidecars.
   */
  private static final HttpFilter FAULT =
      HttpFilter.newBuilder()
          .setName("envoy.filters.http.fault")
          .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance()))
          .build();

  /** Empty, like the fault filter: a route's VirtualService corsPolicy configures it. */
  private static final HttpFilter CORS =
      HttpFilter.newBuilder()
          .setName("envoy.filters.http.cors")
          .setTypedConfig(Any.pack(Cors.getDefaultInstance()))
          .build();

  private static final Duration NO_TIMEOUT = Duration.getDefaultInstance();

  private NetworkFilters() {}

  static Filter tcpProxy(String statPrefix, String cluster) {
    TcpProxy proxy = TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster(cluster).build();
    return Filter.newBuilder()
        .setName("envoy.filters.network.tcp_proxy")
        .setTypedConfig(Any.pack(proxy))
        .build();
  }

  /**
   * Outbound HTTP: routes come over RDS, per port, so a VirtualService change re-sends only that
   * config.
   */
  static Filter outboundHttp(String statPrefix, String routeConfigName) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(statPrefix)
            .setRds(
                Rds.newBuilder()
                    .setConfigSource(ConfigSources.ads())
                    .setRouteConfigName(routeConfigName))
            .addHttpFilters(CORS)
            .addHttpFilters(FAULT)
            .addHttpFilters(ROUTER)
            .build();
    return hcm(hcm);
  }

  /**
   * Inbound HTTP to the local app, behind {@code authorization} (the workload's RBAC filters, if
   * any). The caller's certificate URI (its SPIFFE ID) replaces whatever x-forwarded-client-cert
   * the caller sent, so the app can trust the header.
   */
  static Filter inboundHttp(
      int targetPort, String cluster, java.util.List<HttpFilter> authorization) {
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(cluster)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("inbound|http|" + targetPort)
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setName("default")
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(cluster)
                                    .setTimeout(NO_TIMEOUT))))
            .build();
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("inbound_" + targetPort)
            .setRouteConfig(routes)
            .addAllHttpFilters(authorization)
            .addHttpFilters(ROUTER)
            .setForwardClientCertDetails(ForwardClientCertDetails.SANITIZE_SET)
            .setSetCurrentClientCertDetails(SetCurrentClientCertDetails.newBuilder().setUri(true))
            .build();
    return hcm(hcm);
  }

  private static Filter hcm(HttpConnectionManager hcm) {
    return Filter.newBuilder()
        .setName("envoy.filters.network.http_connection_manager")
        .setTypedConfig(Any.pack(hcm))
        .build();
  }
}
