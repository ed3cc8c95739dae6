package io.outrigger.istiocompat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * The weighted splits a sidecar holds for a host, read from its /config_dump (what Envoy really
 * has).
 */
final class RouteWeights {
  private RouteWeights() {}

  /** For each route of the host's virtual host that splits traffic, its weights in order. */
  static List<List<Integer>> of(MeshedPod pod, String host) {
    List<List<Integer>> splits = new ArrayList<>();
    for (Any config : pod.sidecar().admin().configDump().getConfigsList()) {
      if (!config.is(RoutesConfigDump.class)) {
        continue;
      }
      try {
        for (var dynamic : config.unpack(RoutesConfigDump.class).getDynamicRouteConfigsList()) {
          RouteConfiguration rc = dynamic.getRouteConfig().unpack(RouteConfiguration.class);
          for (VirtualHost vh : rc.getVirtualHostsList()) {
            if (vh.getDomainsList().stream()
                .anyMatch(d -> d.equals(host) || d.startsWith(host + ":"))) {
              vh.getRoutesList().stream()
                  .filter(r -> r.getRoute().hasWeightedClusters())
                  .map(RouteWeights::weights)
                  .forEach(splits::add);
            }
          }
        }
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(
            "cannot read route configs of " + pod.workload().name() + "'s sidecar", e);
      }
    }
    return splits;
  }

  /** Waits until the sidecar holds a split with exactly these weights for the host. */
  static void awaitSplit(MeshedPod pod, String host, List<Integer> weights, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .alias(pod.workload().name() + "'s sidecar has the split " + weights + " for " + host)
        .until(() -> of(pod, host).contains(weights));
  }

  private static List<Integer> weights(Route route) {
    return route.getRoute().getWeightedClusters().getClustersList().stream()
        .map(WeightedCluster.ClusterWeight::getWeight)
        .map(w -> w.getValue())
        .toList();
  }
}
