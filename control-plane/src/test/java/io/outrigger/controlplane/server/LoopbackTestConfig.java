package io.outrigger.controlplane.server;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.xds.ProxySnapshot;
import io.outrigger.controlplane.xds.XdsResource;
import io.outrigger.controlplane.xds.XdsTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Config for a real Envoy on the test host, driven by the real registry: per service port an EDS
 * cluster, its endpoints, a route and an HTTP listener on 127.0.0.1:0, plus one TLS listener served
 * with the SDS secrets. The mesh's sidecar config binds fixed ports (15001, 15006), which tests on
 * the shared host must not; that config is exercised in network namespaces by istio-compat-tests. A
 * service named {@code broken} yields a cluster Envoy rejects (connect_timeout must be > 0).
 */
final class LoopbackTestConfig implements ProxyConfigSource {
  static final String TLS_LISTENER = "tls-echo";

  @Override
  public Map<String, Map<String, XdsResource>> resources(MeshConfig mesh, ProxyNode proxy) {
    List<XdsResource> clusters = new ArrayList<>();
    List<XdsResource> endpoints = new ArrayList<>();
    List<XdsResource> routes = new ArrayList<>();
    List<XdsResource> listeners = new ArrayList<>();
    for (Service service : mesh.services()) {
      for (ServicePort port : service.ports()) {
        String name = "outbound|" + port.port() + "||" + service.hostname();
        clusters.add(XdsResource.of(name, cluster(name, service.name().equals("broken"))));
        endpoints.add(
            XdsResource.of(name, endpoints(name, port, mesh.workloadsOf(service.hostname()))));
        routes.add(XdsResource.of(name, route(name)));
        listeners.add(XdsResource.of(name, httpListener(name)));
      }
    }
    if (!clusters.isEmpty()) {
      listeners.add(XdsResource.of(TLS_LISTENER, tlsListener(clusters.get(0).name())));
    }
    return Map.of(
        XdsTypes.CLUSTER,
        ProxySnapshot.byName(clusters),
        XdsTypes.ENDPOINT,
        ProxySnapshot.byName(endpoints),
        XdsTypes.ROUTE,
        ProxySnapshot.byName(routes),
        XdsTypes.LISTENER,
        ProxySnapshot.byName(listeners));
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  private static Cluster cluster(String name, boolean broken) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()))
        .setConnectTimeout(broken ? Durations.fromSeconds(-1) : Durations.fromSeconds(1))
        .build();
  }

  private static ClusterLoadAssignment endpoints(
      String name, ServicePort port, List<Workload> workloads) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (Workload w : workloads) {
      locality.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(
                  Endpoint.newBuilder().setAddress(address(w.address(), w.targetPort(port)))));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(locality).build();
  }

  private static RouteConfiguration route(String cluster) {
    return RouteConfiguration.newBuilder()
        .setName(cluster)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(cluster)
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster))))
        .build();
  }

  private static Listener httpListener(String name) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("test")
            .setRds(Rds.newBuilder().setRouteConfigName(name).setConfigSource(ads()))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .setAddress(address("127.0.0.1", 0))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  /** Serves the proxy's SDS {@code default} certificate, so a handshake shows which one it got. */
  private static Listener tlsListener(String cluster) {
    DownstreamTlsContext tls =
        DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .addTlsCertificateSdsSecretConfigs(sds("default"))
                    .setValidationContextSdsSecretConfig(sds("ROOTCA")))
            .build();
    TcpProxy tcp = TcpProxy.newBuilder().setStatPrefix("tls-echo").setCluster(cluster).build();
    return Listener.newBuilder()
        .setName(TLS_LISTENER)
        .setAddress(address("127.0.0.1", 0))
        .addFilterChains(
            FilterChain.newBuilder()
                .setTransportSocket(
                    TransportSocket.newBuilder()
                        .setName("envoy.transport_sockets.tls")
                        .setTypedConfig(Any.pack(tls)))
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.tcp_proxy")
                        .setTypedConfig(Any.pack(tcp))))
        .build();
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ads()).build();
  }

  private static Address address(String ip, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
        .build();
  }
}
