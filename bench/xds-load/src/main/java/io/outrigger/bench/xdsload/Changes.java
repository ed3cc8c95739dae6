package io.outrigger.bench.xdsload;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.function.Predicate;

/** Predicates that recognise, in a response a proxy received, that a change has reached it. */
final class Changes {

  /** An EDS response in which {@code cluster} has an endpoint at {@code address}. */
  static Predicate<DiscoveryResponse> endpointAt(String cluster, String address) {
    return response -> {
      if (!response.getTypeUrl().equals(TypeUrls.ENDPOINTS)) {
        return false;
      }
      for (Any any : response.getResourcesList()) {
        ClusterLoadAssignment cla = unpack(any, ClusterLoadAssignment.class);
        if (!cla.getClusterName().equals(cluster)) {
          continue;
        }
        for (LocalityLbEndpoints locality : cla.getEndpointsList()) {
          for (LbEndpoint e : locality.getLbEndpointsList()) {
            if (e.getEndpoint().getAddress().getSocketAddress().getAddress().equals(address)) {
              return true;
            }
          }
        }
      }
      return false;
    };
  }

  /** An RDS response in which {@code hosts} virtual hosts carry a route matching header value {@code marker}. */
  static Predicate<DiscoveryResponse> everyRouteMarked(String marker, int hosts) {
    return response -> {
      if (!response.getTypeUrl().equals(TypeUrls.ROUTES)) {
        return false;
      }
      int marked = 0;
      for (Any any : response.getResourcesList()) {
        for (VirtualHost vh : unpack(any, RouteConfiguration.class).getVirtualHostsList()) {
          if (vh.getRoutesList().stream().anyMatch(r -> matchesHeader(r, marker))) {
            marked++;
          }
        }
      }
      return marked >= hosts;
    };
  }

  private static boolean matchesHeader(Route route, String value) {
    for (HeaderMatcher h : route.getMatch().getHeadersList()) {
      if (h.getStringMatch().getExact().equals(value) || h.getExactMatch().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot unpack " + any.getTypeUrl() + " as " + type.getSimpleName(), e);
    }
  }

  private Changes() {}
}
