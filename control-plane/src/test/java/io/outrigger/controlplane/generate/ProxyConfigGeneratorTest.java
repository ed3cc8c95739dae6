package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigGeneratorTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String DETAILS = "details.default.svc.cluster.local";

  @TempDir Path dir;
  private final ProxyConfigGenerator generator = new ProxyConfigGenerator(MeshSettings.defaults());
  private MeshConfig mesh;

  @BeforeEach
  void load() {
    mesh = MeshFixtures.bookinfo(dir);
  }

  @Test
  void proxiesShareEveryResourceThatDoesNotDependOnThem() {
    ProxyResources productpage = generate(mesh, "productpage-v1");
    ProxyResources reviews = generate(mesh, "reviews-v1");

    String cluster = "outbound|9080|v1|" + REVIEWS;
    assertThat(productpage.clusters().get(cluster)).isSameAs(reviews.clusters().get(cluster));
    assertThat(productpage.endpoints()).isSameAs(reviews.endpoints());
    assertThat(productpage.routes()).isSameAs(reviews.routes());
    assertThat(productpage.listeners().get("virtualOutbound"))
        .isSameAs(reviews.listeners().get("virtualOutbound"));
    assertThat(generate(mesh, "reviews-v2").listeners().get("virtualInbound"))
        .as("replicas with the same ports and mTLS mode: one inbound listener for all")
        .isSameAs(reviews.listeners().get("virtualInbound"));
    assertThat(generate(mesh, "ratings-v1").listeners().get("virtualInbound").version())
        .isNotEqualTo(reviews.listeners().get("virtualInbound").version());
  }

  @Test
  void proxiesWithEqualScopesShareOneResourceSet() {
    ProxyNode reviewsV1 = ProxyNode.sidecar(mesh.workload("default", "reviews-v1").orElseThrow());
    ProxyNode reviewsV2 = ProxyNode.sidecar(mesh.workload("default", "reviews-v2").orElseThrow());
    ProxyNode ratings = ProxyNode.sidecar(mesh.workload("default", "ratings-v1").orElseThrow());

    assertThat(generator.scope(mesh, reviewsV1)).isEqualTo(generator.scope(mesh, reviewsV2));
    assertThat(generator.generate(mesh, reviewsV1))
        .as("replicas: same ports, modes and policies, so one set for both")
        .isSameAs(generator.generate(mesh, reviewsV2));
    assertThat(generator.scope(mesh, ratings)).isNotEqualTo(generator.scope(mesh, reviewsV1));
    assertThat(generator.generate(mesh, ratings).routes())
        .as("a different inbound side, the same namespace: routes still shared")
        .isSameAs(generator.generate(mesh, reviewsV1).routes());
  }

  @Test
  void routeConfigurationsOfDifferentNamespacesShareTheirEqualVirtualHosts() throws IOException {
    Files.writeString(
        dir.resolve("extra.yaml"),
        """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: shop-v1, namespace: shop}
        spec:
          address: 198.18.10.98
          labels: {app: shop}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: lab-v1, namespace: lab}
        spec:
          address: 198.18.10.99
          labels: {app: lab}
        """);
    MeshConfig edited = MeshFixtures.load(dir);
    assertThat(edited.errors()).isEmpty();

    RouteConfiguration shop = route9080(generate(edited, "shop-v1", "shop"));
    RouteConfiguration lab = route9080(generate(edited, "lab-v1", "lab"));
    RouteConfiguration own = route9080(generate(edited, "productpage-v1"));

    assertThat(shop.getVirtualHostsCount()).isEqualTo(lab.getVirtualHostsCount()).isGreaterThan(1);
    for (int i = 0; i < shop.getVirtualHostsCount(); i++) {
      assertThat(lab.getVirtualHosts(i))
          .as("two namespaces without the services: one object per host")
          .isSameAs(shop.getVirtualHosts(i));
    }
    VirtualHost reviewsInOwnNamespace = host(own, "reviews");
    VirtualHost reviewsElsewhere = host(shop, "reviews");
    assertThat(reviewsInOwnNamespace.getDomainsList()).contains("reviews", "reviews:9080");
    assertThat(reviewsElsewhere.getDomainsList())
        .contains("reviews.default", "reviews.default:9080")
        .doesNotContain("reviews", "reviews:9080");
    assertThat(reviewsElsewhere).isNotEqualTo(reviewsInOwnNamespace);
  }

  private static RouteConfiguration route9080(ProxyResources resources) {
    return (RouteConfiguration) resources.routes().get("9080").resource();
  }

  private static VirtualHost host(RouteConfiguration config, String service) {
    return config.getVirtualHostsList().stream()
        .filter(h -> h.getDomainsList().contains(service + ".default.svc.cluster.local"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void endpointChangeChangesOnlyTheAssignmentsThatHoldIt() {
    ProxyResources before = generate(mesh, "productpage-v1");
    MeshFixtures.replace(dir, "workloads.yaml", "198.18.10.22", "198.18.10.122");
    ProxyResources after = generate(MeshFixtures.load(dir), "productpage-v1");

    assertThat(changed(before, after))
        .containsExactlyInAnyOrder(
            "endpoints/outbound|9080||" + REVIEWS, "endpoints/outbound|9080|v2|" + REVIEWS);
    assertThat(after.clusters().get("outbound|9080|v2|" + REVIEWS))
        .as("built from equal inputs: reused from the previous snapshot, not rebuilt")
        .isSameAs(before.clusters().get("outbound|9080|v2|" + REVIEWS));
    assertThat(after.routes()).isSameAs(before.routes());
  }

  @Test
  void weightChangeChangesOnlyThatPortsRouteConfiguration() {
    ProxyResources before = generate(mesh, "productpage-v1");
    MeshFixtures.replace(dir, "istio.yaml", "weight: 90", "weight: 50");
    MeshFixtures.replace(dir, "istio.yaml", "weight: 10", "weight: 50");
    ProxyResources after = generate(MeshFixtures.load(dir), "productpage-v1");

    assertThat(changed(before, after)).containsExactly("routes/9080");
  }

  @Test
  void anHttpRouteAddedAloneChangesThatPortsRouteConfiguration() throws IOException {
    ProxyResources before = generate(mesh, "productpage-v1");
    // Nothing else changes (no Service, VirtualService or DestinationRule): the routes of the
    // previous snapshot must not be reused (the conformance suite adds its HTTPRoutes this way).
    Files.writeString(
        dir.resolve("httproute.yaml"),
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: details-redirect, namespace: default}
        spec:
          parentRefs: [{group: "", kind: Service, name: details, port: 9080}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /moved}}]
            filters: [{type: RequestRedirect, requestRedirect: {statusCode: 308}}]
        """);
    MeshConfig edited = MeshFixtures.load(dir);
    assertThat(edited.errors()).isEmpty();
    ProxyResources after = generate(edited, "productpage-v1");

    assertThat(changed(before, after)).containsExactly("routes/9080");
    assertThat(after.routes().get("9080").resource().toString()).contains("/moved");
  }

  @Test
  void automaticMtlsOnlyToWorkloadsWithASidecarAndPinsTheirIdentity() {
    ProxyResources resources = generate(mesh, "productpage-v1");

    Cluster reviews = cluster(resources, "outbound|9080|v2|" + REVIEWS);
    assertThat(reviews.getTransportSocketMatchesList())
        .extracting(Cluster.TransportSocketMatch::getName)
        .containsExactly("tlsMode-istio", "tlsMode-disabled");
    UpstreamTlsContext tls =
        unpack(
            reviews.getTransportSocketMatches(0).getTransportSocket().getTypedConfig(),
            UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("outbound_.9080_.v2_." + REVIEWS);
    assertThat(
            tls.getCommonTlsContext()
                .getCombinedValidationContext()
                .getDefaultValidationContext()
                .getMatchTypedSubjectAltNames(0)
                .getMatcher()
                .getExact())
        .isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
    Cluster details = cluster(resources, "outbound|9080||" + DETAILS);
    assertThat(details.hasTransportSocket()).isFalse();
    assertThat(details.getTransportSocketMatchesList()).isEmpty();
  }

  @Test
  void automaticMtlsSendsPlaintextWhereTheDestinationDisablesMtls() {
    ProxyResources resources = generate(mesh, "productpage-v1");

    String grpc = "outbound|9090||ratings.default.svc.cluster.local";
    assertThat(cluster(resources, grpc).getTransportSocketMatchesList())
        .as("ratings' PeerAuthentication disables mTLS on port 9090")
        .isEmpty();
    var endpoint =
        ((io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment)
                resources.endpoints().get(grpc).resource())
            .getEndpoints(0)
            .getLbEndpoints(0);
    assertThat(endpoint.hasMetadata()).isFalse();
    assertThat(
            cluster(resources, "outbound|9080||ratings.default.svc.cluster.local")
                .getTransportSocketMatchesList())
        .hasSize(2);
  }

  @Test
  void destinationRuleTlsModeOverridesAutomaticMtls() {
    MeshFixtures.replace(
        dir,
        "istio.yaml",
        "  host: reviews\n",
        """
                  host: reviews
                  trafficPolicy: {tls: {mode: DISABLE}}
                """);
    MeshFixtures.replace(
        dir,
        "istio.yaml",
        "{name: v3, labels: {version: v3}}",
        "{name: v3, labels: {version: v3}, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}");
    ProxyResources resources = generate(MeshFixtures.load(dir), "productpage-v1");

    Cluster v1 = cluster(resources, "outbound|9080|v1|" + REVIEWS);
    assertThat(v1.hasTransportSocket()).isFalse();
    assertThat(v1.getTransportSocketMatchesList()).isEmpty();
    Cluster v3 = cluster(resources, "outbound|9080|v3|" + REVIEWS);
    assertThat(v3.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
  }

  @Test
  void grpcPortsSpeakHttp2Upstream() {
    ProxyResources resources = generate(mesh, "productpage-v1");

    assertThat(
            cluster(resources, "outbound|9090||ratings.default.svc.cluster.local")
                .getTypedExtensionProtocolOptionsMap())
        .containsKey("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    assertThat(
            cluster(resources, "outbound|9080||ratings.default.svc.cluster.local")
                .getTypedExtensionProtocolOptionsMap())
        .isEmpty();
  }

  @Test
  void tcpPortsGetATcpProxyListenerOnTheVip() {
    Listener mongo =
        (Listener) generate(mesh, "productpage-v1").listeners().get("198.19.10.5_27017").resource();

    assertThat(mongo.getBindToPort().getValue()).isFalse();
    TcpProxy proxy =
        unpack(mongo.getFilterChains(0).getFilters(0).getTypedConfig(), TcpProxy.class);
    assertThat(proxy.getCluster()).isEqualTo("outbound|27017||mongodb.default.svc.cluster.local");
  }

  @Test
  void peerAuthenticationModesShapeTheInboundChains() {
    Listener ratings = inbound(generate(mesh, "ratings-v1"));
    assertThat(ratings.getFilterChainsList())
        .extracting(FilterChain::getName)
        .containsExactly(
            "inbound|8080|mtls",
            "inbound|8080|deny",
            "inbound|9090|plaintext",
            "inbound-passthrough|mtls");
    assertThat(ratings.hasDefaultFilterChain()).as("STRICT: no plaintext passthrough").isFalse();

    Listener productpage = inbound(generate(mesh, "productpage-v1"));
    assertThat(productpage.getFilterChainsList())
        .extracting(FilterChain::getName)
        .containsExactly("inbound|9080|mtls", "inbound|9080|plaintext", "inbound-passthrough|mtls");
    assertThat(productpage.getFilterChains(0).getFilterChainMatch().getApplicationProtocolsList())
        .contains("istio");
    assertThat(productpage.getDefaultFilterChain().getName())
        .isEqualTo("inbound-passthrough|plaintext");
  }

  @Test
  void namespacePolicyOverridesMeshPolicyAndWorkloadPolicyOverridesBoth() {
    MeshFixtures.replace(
        dir,
        "istio.yaml",
        "metadata: {name: default, namespace: outrigger-system}\nspec:\n  mtls: {mode: PERMISSIVE}",
        "metadata: {name: default, namespace: outrigger-system}\nspec:\n  mtls: {mode: STRICT}\n"
            + "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
            + "metadata: {name: default, namespace: default}\nspec:\n  mtls: {mode: DISABLE}");
    MeshConfig edited = MeshFixtures.load(dir);

    assertThat(inbound(generate(edited, "productpage-v1")).getFilterChainsList())
        .extracting(FilterChain::getName)
        .containsExactly("inbound|9080|plaintext");
    assertThat(inbound(generate(edited, "ratings-v1")).getFilterChainsList())
        .extracting(FilterChain::getName)
        .startsWith("inbound|8080|mtls", "inbound|8080|deny");
  }

  @Test
  void virtualServiceTimeoutBecomesTheRouteTimeoutOthersHaveNone() {
    RouteConfiguration routes =
        (RouteConfiguration) generate(mesh, "productpage-v1").routes().get("9080").resource();
    VirtualHost ratings =
        routes.getVirtualHostsList().stream()
            .filter(vh -> vh.getName().startsWith("ratings."))
            .findFirst()
            .orElseThrow();

    assertThat(ratings.getRoutesList())
        .extracting(
            r ->
                r.getRoute().getTimeout().getSeconds() * 1000
                    + r.getRoute().getTimeout().getNanos() / 1_000_000)
        .containsExactly(0L, 0L, 2500L);
  }

  @Test
  void workloadWithMovedProbesGetsTheAppHealthListenerOthersDoNot() {
    ProxyResources productpage = generate(mesh, "productpage-v1");

    assertThat(productpage.listeners()).containsKey("app-health");
    assertThat(
            ((Listener) productpage.listeners().get("app-health").resource())
                .getAddress()
                .getSocketAddress()
                .getPortValue())
        .isEqualTo(15020);
    assertThat(productpage.clusters()).containsKeys("app-health|http|9080", "app-health|tcp|9080");
    assertThat(generate(mesh, "reviews-v1").listeners()).doesNotContainKey("app-health");
  }

  @Test
  void registryOnlyBlocksUnknownDestinations() {
    ProxyConfigGenerator strict =
        new ProxyConfigGenerator(
            MeshSettings.defaults().withOutboundTrafficPolicy(OutboundTrafficPolicy.REGISTRY_ONLY));
    ProxyResources resources =
        strict.generate(
            mesh, ProxyNode.sidecar(mesh.workload("default", "details-v1").orElseThrow()));

    Listener outbound = (Listener) resources.listeners().get("virtualOutbound").resource();
    assertThat(
            unpack(outbound.getDefaultFilterChain().getFilters(0).getTypedConfig(), TcpProxy.class)
                .getCluster())
        .isEqualTo("BlackHoleCluster");
    RouteConfiguration routes = (RouteConfiguration) resources.routes().get("9080").resource();
    assertThat(routes.getVirtualHostsList())
        .extracting(VirtualHost::getName)
        .last()
        .isEqualTo("block_all");
  }

  @Test
  void shortHostNamesAreRouteDomainsOnlyInTheirOwnNamespace() {
    MeshFixtures.replace(
        dir,
        "workloads.yaml",
        "metadata: {name: details-v1, namespace: default}",
        "metadata: {name: details-v1, namespace: other}");
    MeshConfig edited = MeshFixtures.load(dir);

    RouteConfiguration other =
        (RouteConfiguration)
            generate(edited, "details-v1", "other").routes().get("9080").resource();
    RouteConfiguration own =
        (RouteConfiguration) generate(edited, "productpage-v1").routes().get("9080").resource();
    assertThat(domains(other))
        .contains("reviews.default", "198.19.10.2:9080")
        .doesNotContain("reviews");
    assertThat(domains(own)).contains("reviews", "reviews:9080");
  }

  private ProxyResources generate(MeshConfig config, String workload) {
    return generate(config, workload, "default");
  }

  private ProxyResources generate(MeshConfig config, String workload, String namespace) {
    return generator.generate(
        config, ProxyNode.sidecar(config.workload(namespace, workload).orElseThrow()));
  }

  private static Set<String> changed(ProxyResources before, ProxyResources after) {
    Set<String> changed = new HashSet<>();
    Map<String, String> names =
        Map.of(
            ProxyResources.LISTENER,
            "listeners",
            ProxyResources.ROUTE,
            "routes",
            ProxyResources.CLUSTER,
            "clusters",
            ProxyResources.ENDPOINT,
            "endpoints");
    names.forEach(
        (type, label) -> {
          Set<String> all = new HashSet<>(before.resources(type).keySet());
          all.addAll(after.resources(type).keySet());
          for (String name : all) {
            VersionedResource a = before.resources(type).get(name);
            VersionedResource b = after.resources(type).get(name);
            if (a == null || b == null || !a.version().equals(b.version())) {
              changed.add(label + "/" + name);
            }
          }
        });
    return changed;
  }

  private static Cluster cluster(ProxyResources resources, String name) {
    return (Cluster) resources.clusters().get(name).resource();
  }

  private static Listener inbound(ProxyResources resources) {
    return (Listener) resources.listeners().get("virtualInbound").resource();
  }

  private static Set<String> domains(RouteConfiguration routes) {
    Set<String> domains = new HashSet<>();
    routes.getVirtualHostsList().forEach(vh -> domains.addAll(vh.getDomainsList()));
    return domains;
  }

  private static <T extends com.google.protobuf.Message> T unpack(
      com.google.protobuf.Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError("cannot unpack " + any.getTypeUrl(), e);
    }
  }
}
