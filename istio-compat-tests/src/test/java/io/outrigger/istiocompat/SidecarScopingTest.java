package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.outrigger.testsupport.EnvoyExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Istio's Sidecar resource and exportTo with real sidecars. A Sidecar limiting productpage's egress
 * to reviews leaves its Envoy holding only reviews' clusters (the bytes of its configuration are
 * measured against an unscoped sidecar's); a VirtualService exported to another namespace does not
 * route bookinfo's calls until it is exported to its own.
 */
class SidecarScopingTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS_V1 = Bookinfo.REVIEWS_V1;
  private static final MeshWorkload REVIEWS_V2 = Bookinfo.REVIEWS_V2;
  private static final String REVIEWS = ServiceAddress.REVIEWS.host();

  /** A meshed client in another namespace than bookinfo. */
  private static final MeshWorkload SHOP_CLIENT =
      new MeshWorkload("shop-v1", "shop", "shop", Map.of("app", "shop"), MeshWorkload.APP_PORT);

  private static final Duration CONFIG_TIMEOUT = Duration.ofSeconds(20);

  @Test
  void aSidecarLeavesItsProxyOnlyTheClustersItsEgressAllows() {
    try (HostModeMesh mesh =
        HostModeMesh.start(
            ENVOYS,
            List.of("istio/reviews-destinationrule.yaml"),
            List.of(PRODUCTPAGE, REVIEWS_V1),
            List.of())) {
      MeshedPod scoped = mesh.pod(PRODUCTPAGE.name());
      MeshedPod unscoped = mesh.pod(REVIEWS_V1.name());
      // A mesh of some size: services productpage never calls, which a Sidecar should keep away.
      mesh.registry().write("fleet-services.yaml", fleetServices());
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(outboundClusters(scoped))
                      .contains(
                          "outbound|9080||fleet-" + (FLEET - 1) + ".fleet.svc.cluster.local"));
      long bytesBefore = dumpBytes(scoped);
      Set<String> clustersBefore = outboundClusters(scoped);

      mesh.registry()
          .writeSidecar(
              "productpage",
              """
              egress:
              - hosts: ["./%s"]
              """
                  .formatted(REVIEWS));
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(outboundClusters(scoped))
                      .allMatch(c -> c.endsWith("|" + REVIEWS), "a cluster of reviews"));
      Set<String> clustersAfter = outboundClusters(scoped);
      long bytesScoped = dumpBytes(scoped);
      long bytesUnscoped = dumpBytes(unscoped);
      System.out.printf(
          "sidecar-scoping: productpage outbound clusters %d -> %d; xDS config bytes %d -> %d"
              + " (unscoped reviews-v1: %d bytes, %d outbound clusters)%n",
          clustersBefore.size(),
          clustersAfter.size(),
          bytesBefore,
          bytesScoped,
          bytesUnscoped,
          outboundClusters(unscoped).size());

      assertThat(clustersAfter)
          .containsExactlyInAnyOrder(
              "outbound|9080||" + REVIEWS,
              "outbound|9080|v1|" + REVIEWS,
              "outbound|9080|v2|" + REVIEWS,
              "outbound|9080|v3|" + REVIEWS);
      assertThat(clustersBefore).hasSizeGreaterThan(clustersAfter.size());
      assertThat(outboundClusters(unscoped)).isEqualTo(clustersBefore);
      // 43 of 47 services dropped; the inbound side, the static clusters and the bookinfo VIPs'
      // listeners stay, so a quarter at least of the bytes goes, not all of it.
      assertThat(bytesScoped).isLessThan(bytesBefore).isLessThan(bytesUnscoped * 3 / 4);
      assertThat(PodHttp.echo(scoped.pod(), ServiceAddress.REVIEWS, "/", Map.of()).name())
          .as("reviews is still reached through the scoped sidecar")
          .isEqualTo(REVIEWS_V1.name());
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  @Test
  void aVirtualServiceExportedToAnotherNamespaceRoutesOnlyThatNamespacesCalls() {
    try (HostModeMesh mesh =
        HostModeMesh.start(
            ENVOYS,
            List.of("istio/reviews-destinationrule.yaml"),
            List.of(PRODUCTPAGE, REVIEWS_V1, REVIEWS_V2, SHOP_CLIENT),
            List.of())) {
      MeshedPod bookinfo = mesh.pod(PRODUCTPAGE.name());
      MeshedPod shop = mesh.pod(SHOP_CLIENT.name());

      mesh.registry().write("reviews-vs.yaml", allToV2(List.of("shop")));
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(
              () -> assertThat(answeringVersions(shop, 10)).containsExactly(REVIEWS_V2.name()));
      assertThat(answeringVersions(bookinfo, 10))
          .as("hidden from bookinfo: its calls still go to both versions")
          .containsExactlyInAnyOrder(REVIEWS_V1.name(), REVIEWS_V2.name());

      mesh.registry().write("reviews-vs.yaml", allToV2(List.of(".")));
      await()
          .atMost(CONFIG_TIMEOUT)
          .untilAsserted(
              () -> assertThat(answeringVersions(bookinfo, 10)).containsExactly(REVIEWS_V2.name()));
      assertThat(answeringVersions(shop, 10))
          .as("now hidden from shop")
          .containsExactlyInAnyOrder(REVIEWS_V1.name(), REVIEWS_V2.name());
      SidecarChecks.assertNoNackAndValid(mesh);
    }
  }

  private static final int FLEET = 40;

  /** {@link #FLEET} HTTP services of namespace fleet, VIPs 198.19.100.x, selecting nothing. */
  private static String fleetServices() {
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < FLEET; i++) {
      yaml.append(
          """
          ---
          apiVersion: v1
          kind: Service
          metadata: {name: fleet-%d, namespace: fleet}
          spec:
            clusterIP: 198.19.100.%d
            selector: {app: fleet-%d}
            ports:
            - {name: http, port: 9080, targetPort: 9080}
          """
              .formatted(i, i + 1, i));
    }
    return yaml.toString();
  }

  private static String allToV2(List<String> exportTo) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          hosts: [reviews]
          exportTo: %s
          http:
          - route:
            - destination: {host: reviews, subset: v2}
        """
        .formatted(exportTo.stream().map(e -> "\"" + e + "\"").toList());
  }

  private static Set<String> answeringVersions(MeshedPod client, int requests) {
    Set<String> names = new TreeSet<>();
    PodHttp.echoMany(client.pod(), ServiceAddress.REVIEWS, Map.of(), requests)
        .forEach(r -> names.add(r.name()));
    return names;
  }

  private static Set<String> outboundClusters(MeshedPod pod) {
    Set<String> names = new TreeSet<>();
    for (Any config : pod.sidecar().admin().configDump().getConfigsList()) {
      if (config.is(ClustersConfigDump.class)) {
        try {
          for (var c : config.unpack(ClustersConfigDump.class).getDynamicActiveClustersList()) {
            String name =
                c.getCluster()
                    .unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class)
                    .getName();
            if (name.startsWith("outbound|")) {
              names.add(name);
            }
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new AssertionError("cannot read clusters from /config_dump", e);
        }
      }
    }
    return names;
  }

  /**
   * The size of the xDS configuration the sidecar holds (listeners, clusters, routes, endpoints as
   * its admin {@code /config_dump?include_eds} gives them), without its bootstrap and secrets.
   */
  private static long dumpBytes(MeshedPod pod) {
    ConfigDump dump = pod.sidecar().admin().configDump();
    return dump.getConfigsList().stream()
        .filter(
            c ->
                !c.is(io.envoyproxy.envoy.admin.v3.BootstrapConfigDump.class)
                    && !c.is(io.envoyproxy.envoy.admin.v3.SecretsConfigDump.class))
        .mapToLong(Any::getSerializedSize)
        .sum();
  }
}
