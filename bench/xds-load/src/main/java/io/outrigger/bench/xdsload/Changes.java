package io.outrigger.bench.xdsload;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
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
        ClusterLoadAssignment cla = unpack(any, ClusterLoadAssignment.parser());
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

  /**
   * An RDS response in which {@code hosts} virtual hosts carry a route matching header value {@code
   * marker}.
   */
  static Predicate<DiscoveryResponse> everyRouteMarked(String marker, int hosts) {
    return response -> {
      if (!response.getTypeUrl().equals(TypeUrls.ROUTES)) {
        return false;
      }
      int marked = 0;
      for (Any any : response.getResourcesList()) {
        for (VirtualHost vh : unpack(any, RouteConfiguration.parser()).getVirtualHostsList()) {
          if (vh.getRoutesList().stream().anyMatch(r -> matchesHeader(r, marker))) {
            marked++;
          }
        }
      }
      return marked >= hosts;
    };
  }

  /**
   * An RDS response in which at least {@code hosts} virtual hosts route to a subset {@code subset}
   * cluster ({@code outbound|PORT|SUBSET|HOST}, both control planes' name) with weight {@code
   * weight}.
   */
  static Predicate<DiscoveryResponse> weightedSubset(String subset, int weight, int hosts) {
    String infix = "|" + subset + "|";
    return response -> {
      if (!response.getTypeUrl().equals(TypeUrls.ROUTES)) {
        return false;
      }
      int weighted = 0;
      for (Any any : response.getResourcesList()) {
        for (VirtualHost vh : unpack(any, RouteConfiguration.parser()).getVirtualHostsList()) {
          boolean found = false;
          for (Route r : vh.getRoutesList()) {
            for (WeightedCluster.ClusterWeight c :
                r.getRoute().getWeightedClusters().getClustersList()) {
              found |= c.getName().contains(infix) && c.getWeight().getValue() == weight;
            }
          }
          if (found) {
            weighted++;
          }
        }
      }
      return weighted >= hosts;
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

  /**
   * Parses the packed resource with the type's parser: {@code Any.unpack(Class)} looks the default
   * instance up by reflection on every call, which for 2,000 resources per change cost the
   * simulated fleet measurable CPU on the cores it shares with the control plane.
   */
  private static <T> T unpack(Any any, Parser<T> parser) {
    try {
      return parser.parseFrom(any.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot parse resource of type " + any.getTypeUrl(), e);
    }
  }

  private Changes() {}
}
