package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.outrigger.controlplane.generate.scope.OutboundScope;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Match conditions on the client, decided per proxy as Istio does, and what proxies still share:
 * proxies answering the sourceLabels selectors alike get the same routes and listeners, and a mesh
 * without such conditions keeps a single outbound scope.
 */
class ClientConditionsTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String MONGO_SRC = "mongo-src.default.svc.cluster.local";

  @TempDir Path tmp;
  private final ProxyConfigGenerator generator = new ProxyConfigGenerator(MeshSettings.defaults());

  @Test
  void aSourceLabelsMatchAppliesOnlyToTheProxiesWhoseLabelsIncludeIt() throws IOException {
    MeshConfig mesh = scenario();

    assertThat(routeNames(mesh, "productpage-v1"))
        .containsExactly("mesh-gateway", "from-productpage", "from-productpage", "default");
    // reviews-v1 satisfies no selector: its rule left without matches is dropped, as in Istio.
    assertThat(routeNames(mesh, "reviews-v1")).containsExactly("mesh-gateway", "default");
  }

  @Test
  void proxiesAnsweringTheSelectorsAlikeShareTheirRoutesAndListeners() throws IOException {
    MeshConfig mesh = scenario();

    ProxyResources reviewsV1 = generate(mesh, "reviews-v1");
    ProxyResources reviewsV2 = generate(mesh, "reviews-v2");
    ProxyResources productpage = generate(mesh, "productpage-v1");

    // reviews v1 and v2 satisfy {app: reviews} of the tls match alike.
    assertThat(generator.scope(mesh, proxy(mesh, "reviews-v2")))
        .isEqualTo(generator.scope(mesh, proxy(mesh, "reviews-v1")));
    assertThat(reviewsV2).isSameAs(reviewsV1);
    assertThat(generator.scope(mesh, proxy(mesh, "productpage-v1")).outbound().sourceLabels())
        .containsExactlyInAnyOrder(
            Map.of("app", "productpage"), Map.of("app", "productpage", "version", "v1"));
    assertThat(productpage.routes()).isNotEqualTo(reviewsV1.routes());
    assertThat(
            ((LayeredMap<VersionedResource>) productpage.clusters())
                .shared()
                .get("outbound|27017|v2|" + MONGO_SRC))
        .as("clusters are shared by their inputs across scopes")
        .isSameAs(
            ((LayeredMap<VersionedResource>) reviewsV1.clusters())
                .shared()
                .get("outbound|27017|v2|" + MONGO_SRC));
  }

  @Test
  void aMeshWithoutClientConditionsKeepsOneOutboundScope() {
    MeshConfig mesh = MeshFixtures.bookinfo(tmp);

    OutboundScope productpage = generator.scope(mesh, proxy(mesh, "productpage-v1")).outbound();
    OutboundScope reviews = generator.scope(mesh, proxy(mesh, "reviews-v1")).outbound();

    assertThat(productpage)
        .isEqualTo(reviews)
        .isEqualTo(OutboundScope.wholeMesh(productpage.policy()));
  }

  @Test
  void onlySelectorsOfVirtualServicesExportedToTheProxysNamespaceEnterItsScope()
      throws IOException {
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve("hidden")));
    Files.writeString(
        dir.resolve("hidden.yaml"),
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings-own, namespace: other}
        spec:
          hosts: [details.default.svc.cluster.local]
          exportTo: ["."]
          http:
          - match: [{sourceLabels: {app: productpage}}]
            route: [{destination: {host: details.default.svc.cluster.local}}]
        """);
    MeshConfig hidden = MeshFixtures.load(dir);
    MeshFixtures.replace(dir, "hidden.yaml", "exportTo: [\".\"]", "exportTo: [\"*\"]");
    MeshConfig exported = MeshFixtures.load(dir);
    assertThat(hidden.errors()).isEmpty();
    assertThat(exported.errors()).isEmpty();

    assertThat(generator.scope(hidden, proxy(hidden, "productpage-v1")).outbound().sourceLabels())
        .isEmpty();
    assertThat(
            generator.scope(exported, proxy(exported, "productpage-v1")).outbound().sourceLabels())
        .containsExactly(Map.of("app", "productpage"));
  }

  @Test
  void withoutHeadersBecomeInvertedHeaderMatchers() throws IOException {
    MeshConfig mesh = scenario();

    List<Route> fromProductpage =
        reviewsRoutes(mesh, "productpage-v1").stream()
            .filter(r -> r.getName().equals("from-productpage"))
            .toList();

    assertThat(fromProductpage.get(0).getMatch().getHeadersList())
        .containsExactly(
            HeaderMatcher.newBuilder()
                .setName("end-user")
                .setStringMatch(
                    io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder()
                        .setExact("jason"))
                .setInvertMatch(true)
                .setTreatMissingHeaderAsEmpty(true)
                .build());
    assertThat(fromProductpage.get(1).getMatch().getHeadersList())
        .containsExactly(
            HeaderMatcher.newBuilder()
                .setName("x-canary")
                .setPresentMatch(true)
                .setInvertMatch(true)
                .build());
  }

  @Test
  void tcpAndTlsMatchesOnTheClientAreDecidedPerProxy() throws IOException {
    MeshConfig mesh = scenario();

    assertThat(tcpCluster(mesh, "productpage-v1")).isEqualTo("outbound|27017|v2|" + MONGO_SRC);
    assertThat(tcpCluster(mesh, "reviews-v1")).isEqualTo("outbound|27017|v1|" + MONGO_SRC);
    // sourceNamespace other and a gateway-only match never hold here; {app: reviews} does for
    // reviews only.
    assertThat(serverNames(mesh, "productpage-v1")).isEmpty();
    assertThat(serverNames(mesh, "reviews-v1")).containsExactly("c.mongo.example");
  }

  private MeshConfig scenario() throws IOException {
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve("mesh")));
    try (InputStream in =
        getClass().getResourceAsStream("/client-conditions/client-conditions.yaml")) {
      Files.copy(in, dir.resolve("istio.yaml"), StandardCopyOption.REPLACE_EXISTING);
    }
    MeshConfig mesh = MeshFixtures.load(dir);
    assertThat(mesh.errors()).isEmpty();
    return mesh;
  }

  private static ProxyNode proxy(MeshConfig mesh, String workload) {
    return ProxyNode.sidecar(mesh.workload("default", workload).orElseThrow());
  }

  private ProxyResources generate(MeshConfig mesh, String workload) {
    return generator.generate(mesh, proxy(mesh, workload));
  }

  private List<Route> reviewsRoutes(MeshConfig mesh, String workload) {
    RouteConfiguration config =
        (RouteConfiguration) generate(mesh, workload).routes().get("9080").resource();
    return config.getVirtualHostsList().stream()
        .filter(v -> v.getName().equals(REVIEWS + ":9080"))
        .findFirst()
        .map(VirtualHost::getRoutesList)
        .orElseThrow();
  }

  private List<String> routeNames(MeshConfig mesh, String workload) {
    return reviewsRoutes(mesh, workload).stream().map(Route::getName).toList();
  }

  private Listener listener(MeshConfig mesh, String workload, int port) {
    return (Listener) generate(mesh, workload).listeners().get("198.19.10.22_" + port).resource();
  }

  private String tcpCluster(MeshConfig mesh, String workload) throws IOException {
    FilterChain chain = listener(mesh, workload, 27017).getFilterChains(0);
    return chain.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster();
  }

  private List<String> serverNames(MeshConfig mesh, String workload) {
    return listener(mesh, workload, 27018).getFilterChainsList().stream()
        .flatMap(c -> c.getFilterChainMatch().getServerNamesList().stream())
        .toList();
  }
}
