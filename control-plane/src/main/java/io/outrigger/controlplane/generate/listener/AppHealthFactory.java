package io.outrigger.controlplane.generate.listener;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck.Builder;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Percent;
import io.outrigger.controlplane.generate.cluster.StaticClusterFactory;
import io.outrigger.sidecar.SidecarPorts;
import io.outrigger.sidecar.probes.AppProbe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The 15020 listener answering the app probes the injector moved to the sidecar. HTTP probes are
 * routed to the app's probe path on loopback; TCP and gRPC probes are answered by Envoy's
 * health-check filter from a cluster that actively checks the app port (TCP connect, gRPC health
 * protocol) every second.
 */
public final class AppHealthFactory {
  public static final String LISTENER = "app-health";
  private static final Duration EVERY_SECOND = Duration.newBuilder().setSeconds(1).build();

  private AppHealthFactory() {}

  public static String clusterName(AppProbe probe) {
    return switch (probe.kind()) {
      case HTTP_GET -> "app-health|http|" + probe.port();
      case TCP_SOCKET -> "app-health|tcp|" + probe.port();
      case GRPC -> "app-health|grpc|" + probe.port() + "|" + probe.grpcService();
    };
  }

  /** The probe clusters, by name (probes sharing a port and kind share one). */
  public static Map<String, Cluster> clusters(List<AppProbe> probes) {
    Map<String, Cluster> clusters = new LinkedHashMap<>();
    for (AppProbe probe : probes) {
      clusters.computeIfAbsent(clusterName(probe), name -> cluster(name, probe));
    }
    return clusters;
  }

  private static Cluster cluster(String name, AppProbe probe) {
    Cluster.Builder cluster =
        StaticClusterFactory.loopback(name, probe.port(), probe.kind() == AppProbe.Kind.GRPC)
            .toBuilder();
    HealthCheck.Builder check =
        HealthCheck.newBuilder()
            .setTimeout(EVERY_SECOND)
            .setInterval(EVERY_SECOND)
            .setNoTrafficInterval(
                EVERY_SECOND) // probe clusters never carry traffic: keep checking anyway
            .setUnhealthyThreshold(UInt32Value.of(1))
            .setHealthyThreshold(UInt32Value.of(1));
    switch (probe.kind()) {
      case TCP_SOCKET ->
          cluster.addHealthChecks(
              check.setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance()));
      case GRPC ->
          cluster.addHealthChecks(
              check.setGrpcHealthCheck(
                  HealthCheck.GrpcHealthCheck.newBuilder().setServiceName(probe.grpcService())));
      case HTTP_GET -> {} // routed to the app, which answers itself
    }
    return cluster.build();
  }

  public static Listener listener(List<AppProbe> probes) {
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("app_health")
            .setRouteConfig(routes(probes));
    for (AppProbe probe : probes) {
      if (probe.kind() != AppProbe.Kind.HTTP_GET) {
        hcm.addHttpFilters(healthCheckFilter(probe));
      }
    }
    hcm.addHttpFilters(
        HttpFilter.newBuilder()
            .setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    return Listener.newBuilder()
        .setName(LISTENER)
        .setAddress(OutboundListenerFactory.address("0.0.0.0", SidecarPorts.APP_HEALTH))
        .setTrafficDirection(TrafficDirection.INBOUND)
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm.build()))))
        .build();
  }

  private static RouteConfiguration routes(List<AppProbe> probes) {
    List<Route> routes = new ArrayList<>();
    for (AppProbe probe : probes) {
      if (probe.kind() == AppProbe.Kind.HTTP_GET) {
        routes.add(
            Route.newBuilder()
                .setName(probe.path())
                .setMatch(RouteMatch.newBuilder().setPath(probe.path()))
                .setRoute(
                    RouteAction.newBuilder()
                        .setCluster(clusterName(probe))
                        .setPrefixRewrite(probe.httpPath()))
                .build());
      }
    }
    return RouteConfiguration.newBuilder()
        .setName(LISTENER)
        .addVirtualHosts(
            VirtualHost.newBuilder().setName(LISTENER).addDomains("*").addAllRoutes(routes))
        .build();
  }

  /**
   * Answers {@code probe.path()} itself: 200 while the probe cluster's only host is healthy, else
   * 503.
   */
  private static HttpFilter healthCheckFilter(AppProbe probe) {
    Builder filter =
        io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck.newBuilder()
            .setPassThroughMode(BoolValue.of(false))
            .addHeaders(
                HeaderMatcher.newBuilder()
                    .setName(":path")
                    .setStringMatch(StringMatcher.newBuilder().setExact(probe.path())))
            .putClusterMinHealthyPercentages(
                clusterName(probe), Percent.newBuilder().setValue(100).build());
    return HttpFilter.newBuilder()
        .setName("envoy.filters.http.health_check")
        .setTypedConfig(Any.pack(filter.build()))
        .build();
  }
}
