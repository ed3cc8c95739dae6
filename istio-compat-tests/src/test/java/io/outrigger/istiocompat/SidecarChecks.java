package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.outrigger.testsupport.EnvoyValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every test asserts about every sidecar once its traffic checks are done: Envoy rejected none
 * of the configuration it was sent (no NACK), and what it holds passes {@code envoy --mode
 * validate}.
 */
final class SidecarChecks {
  private SidecarChecks() {}

  /**
   * The NACKs a mesh has seen so far: per sidecar (workload name) its {@code *.update_rejected}
   * stats above zero, and the control plane's {@code /debug/syncz} NACK entries (which stay after
   * the proxy ACKs a later version).
   */
  record NackState(Map<String, Map<String, Long>> rejected, List<String> nacks) {
    static final NackState NONE = new NackState(Map.of(), List.of());
  }

  static NackState nackState(HostModeMesh mesh) {
    Map<String, Map<String, Long>> all = new TreeMap<>();
    for (MeshedPod p : mesh.meshedPods()) {
      Map<String, Long> rejected = new TreeMap<>();
      p.sidecar()
          .admin()
          .stats()
          .forEach(
              (name, value) -> {
                if (name.endsWith("update_rejected") && value > 0) {
                  rejected.put(name, value);
                }
              });
      all.put(p.workload().name(), rejected);
    }
    return new NackState(all, mesh.controlPlane().syncz().nacks());
  }

  /**
   * No {@code *.update_rejected} stat above zero in any sidecar, and no NACK known to the control
   * plane.
   */
  static void assertNoNack(HostModeMesh mesh) {
    assertNoNackSince(mesh, NackState.NONE);
  }

  /**
   * No sidecar rejected an update, and the control plane knows of no NACK, since {@code before}.
   */
  static void assertNoNackSince(HostModeMesh mesh, NackState before) {
    NackState now = nackState(mesh);
    now.rejected()
        .forEach(
            (pod, rejected) ->
                assertThat(rejected)
                    .as("sidecar of %s: rejected xDS updates (NACKs)", pod)
                    .isEqualTo(before.rejected().getOrDefault(pod, Map.of())));
    assertThat(now.nacks())
        .as("NACKs in the control plane's /debug/syncz")
        .containsExactlyInAnyOrderElementsOf(before.nacks());
  }

  /**
   * Every listener, cluster, route, endpoint set and secret the sidecar holds, as one static
   * config.
   */
  static void assertConfigValidates(MeshedPod pod, ValidationSecrets secrets) {
    List<Message> resources = dynamicResources(pod.sidecar().admin().configDump(), secrets);
    assertThat(resources)
        .as("dynamic resources of %s's sidecar", pod.workload().name())
        .isNotEmpty();
    EnvoyValidator.validateResources(resources);
  }

  static void assertNoNackAndValid(HostModeMesh mesh) {
    assertNoNackAndValid(mesh, NackState.NONE);
  }

  /** As {@link #assertNoNackAndValid(HostModeMesh)}, NACKs counted from {@code before}. */
  static void assertNoNackAndValid(HostModeMesh mesh, NackState before) {
    assertNoNackSince(mesh, before);
    for (MeshedPod p : mesh.meshedPods()) {
      assertConfigValidates(p, mesh.validationSecrets());
    }
  }

  /**
   * Envoy's endpoint dump writes {@code load_balancing_weight: 0} for a locality that had no
   * weight, which its own validation then refuses; unset is what was sent, so put it back to unset.
   */
  private static ClusterLoadAssignment withoutUnsetLocalityWeights(ClusterLoadAssignment dumped) {
    ClusterLoadAssignment.Builder cla = dumped.toBuilder();
    for (var locality : cla.getEndpointsBuilderList()) {
      if (locality.hasLoadBalancingWeight() && locality.getLoadBalancingWeight().getValue() == 0) {
        locality.clearLoadBalancingWeight();
      }
    }
    return cla.build();
  }

  private static List<Message> dynamicResources(ConfigDump dump, ValidationSecrets secrets) {
    List<Message> out = new ArrayList<>();
    for (Any config : dump.getConfigsList()) {
      try {
        if (config.is(ListenersConfigDump.class)) {
          for (var l : config.unpack(ListenersConfigDump.class).getDynamicListenersList()) {
            if (l.hasActiveState()) {
              out.add(l.getActiveState().getListener().unpack(Listener.class));
            }
          }
        } else if (config.is(ClustersConfigDump.class)) {
          for (var c : config.unpack(ClustersConfigDump.class).getDynamicActiveClustersList()) {
            out.add(c.getCluster().unpack(Cluster.class));
          }
        } else if (config.is(RoutesConfigDump.class)) {
          for (var r : config.unpack(RoutesConfigDump.class).getDynamicRouteConfigsList()) {
            out.add(r.getRouteConfig().unpack(RouteConfiguration.class));
          }
        } else if (config.is(EndpointsConfigDump.class)) {
          for (var e : config.unpack(EndpointsConfigDump.class).getDynamicEndpointConfigsList()) {
            out.add(
                withoutUnsetLocalityWeights(
                    e.getEndpointConfig().unpack(ClusterLoadAssignment.class)));
          }
        } else if (config.is(SecretsConfigDump.class)) {
          for (var s : config.unpack(SecretsConfigDump.class).getDynamicActiveSecretsList()) {
            out.add(secrets.unredacted(s.getSecret().unpack(Secret.class)));
          }
        }
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(
            "cannot read " + config.getTypeUrl() + " from a sidecar's /config_dump", e);
      }
    }
    return out;
  }
}
