package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sidecar ingress and per-port egress listeners and the egress proxy (the scenarios {@code
 * scoping/sidecar-*}): what the selected proxy gets, what the others keep, and that proxies with
 * the same Sidecar still share their resources.
 */
class SidecarListenersTest {
  @TempDir Path tmp;
  private final ProxyConfigGenerator generator = new ProxyConfigGenerator(MeshSettings.defaults());

  /** A second productpage replica, without app probes. */
  private static final String REPLICA =
      """
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: productpage-v2, namespace: default}
      spec:
        address: 198.18.10.12
        serviceAccount: bookinfo-productpage
        labels: {app: productpage, version: v2, security.istio.io/tlsMode: istio}
      """;

  @Test
  void ingressListenersReplaceTheServicesPortsOfTheSelectedProxyOnly() throws IOException {
    MeshConfig mesh = scenario("sidecar-ingress", "");

    ProxyResources productpage = generate(mesh, "productpage-v1");
    ProxyResources reviews = generate(mesh, "reviews-v1");

    assertThat(productpage.clusters().keySet().stream().filter(n -> n.startsWith("inbound|")))
        .containsExactlyInAnyOrder(
            "inbound|9080||", "inbound|9443||", "inbound|7070||", "inbound|9555||");
    assertThat(endpoint(productpage, "inbound|9080||")).isEqualTo("127.0.0.1:8080");
    assertThat(endpoint(productpage, "inbound|9443||"))
        .as("0.0.0.0 is the workload's own address")
        .isEqualTo("198.18.10.11:9444");
    assertThat(cluster(productpage, "inbound|7070||").getType())
        .isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
    assertThat(
            cluster(productpage, "inbound|9080||")
                .getCircuitBreakers()
                .getThresholds(0)
                .getMaxConnections()
                .getValue())
        .as("the port's own pool")
        .isEqualTo(10);
    assertThat(
            cluster(productpage, "inbound|9443||")
                .getCircuitBreakers()
                .getThresholds(0)
                .getMaxRequests()
                .getValue())
        .as("the Sidecar's inboundConnectionPool")
        .isEqualTo(100);
    assertThat(chainNames(productpage))
        .as("STRICT on every ingress port: mTLS or dropped")
        .contains("inbound|9443|mtls", "inbound|9443|deny", "inbound|7070|mtls");
    assertThat(chainNames(productpage)).noneMatch(n -> n.startsWith("inbound|9555|"));
    Listener bound = (Listener) productpage.listeners().get("inbound_0.0.0.0_9555").resource();
    assertThat(bound.getAddress().getSocketAddress().getPortValue())
        .as("captureMode NONE: a listener the proxy binds itself")
        .isEqualTo(9555);
    assertThat(bound.getFilterChainsList())
        .extracting(FilterChain::getName)
        .containsExactly("inbound|9555|mtls", "inbound|9555|deny");
    assertThat(endpoint(reviews, "inbound|9080||"))
        .as("a proxy the Sidecar does not select keeps its Services' ports")
        .isEqualTo("127.0.0.1:9080");
    assertThat(reviews.clusters()).doesNotContainKey("inbound|9443||");
  }

  @Test
  void inboundConnectionPoolAloneAppliesToTheServicesPorts() throws IOException {
    MeshConfig mesh =
        scenario(
            "sidecar-egress",
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: reviews, namespace: default}
            spec:
              workloadSelector: {labels: {app: reviews}}
              inboundConnectionPool:
                tcp: {maxConnections: 3}
            """);

    Cluster inbound = cluster(generate(mesh, "reviews-v1"), "inbound|9080||");

    assertThat(inbound.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue())
        .isEqualTo(3);
    assertThat(endpoint(generate(mesh, "reviews-v1"), "inbound|9080||"))
        .isEqualTo("127.0.0.1:9080");
    assertThat(cluster(generate(mesh, "details-v1"), "inbound|9080||").hasCircuitBreakers())
        .isFalse();
  }

  @Test
  void anEgressListenerForOnePortDecidesWhatTheProxySeesOnThatPort() throws IOException {
    MeshConfig mesh = scenario("sidecar-egress-ports", REPLICA);

    ProxyResources productpage = generate(mesh, "productpage-v1");

    assertThat(productpage.listeners())
        .containsKeys("198.19.10.2_9080", "198.19.10.3_9090", "198.19.10.5_27017")
        .doesNotContainKeys("198.19.10.3_9080", "198.19.10.4_9080", "198.19.10.1_9080");
    RouteConfiguration route = (RouteConfiguration) productpage.routes().get("9080").resource();
    assertThat(route.getVirtualHostsList())
        .extracting(VirtualHost::getName)
        .containsExactly("reviews.default.svc.cluster.local:9080", "allow_any");
    assertThat(productpage.clusters())
        .as("clusters of every port of the hosts some egress listener selects, as in Istio")
        .containsKeys(
            "outbound|9080||details.default.svc.cluster.local",
            "outbound|9080||ratings.default.svc.cluster.local");
    assertThat(generate(mesh, "reviews-v1").listeners())
        .as("proxies the Sidecar does not select see every port")
        .containsKeys("198.19.10.3_9080", "198.19.10.4_9080");
  }

  @Test
  void proxiesWithTheSameSidecarShareTheirOutboundResources() throws IOException {
    MeshConfig mesh = scenario("sidecar-egress-ports", REPLICA);

    ProxyResources one = generate(mesh, "productpage-v1");
    ProxyResources two = generate(mesh, "productpage-v2");

    assertThat(two.listeners().get("198.19.10.2_9080"))
        .isSameAs(one.listeners().get("198.19.10.2_9080"));
    assertThat(two.routes().get("9080")).isSameAs(one.routes().get("9080"));
    assertThat(two.clusters().get("outbound|9080||reviews.default.svc.cluster.local"))
        .isSameAs(one.clusters().get("outbound|9080||reviews.default.svc.cluster.local"));
  }

  @Test
  void anEgressProxyTakesTheTrafficToUnknownDestinationsOfItsProxiesOnly() throws IOException {
    MeshConfig mesh = scenario("sidecar-egress-proxy", "");

    ProxyResources productpage = generate(mesh, "productpage-v1");
    ProxyResources reviews = generate(mesh, "reviews-v1");

    String egress = "outbound|3128||egress.proxy.internal";
    Listener virtualOutbound = (Listener) productpage.listeners().get("virtualOutbound").resource();
    assertThat(virtualOutbound.getDefaultFilterChain().getName()).isEqualTo(egress);
    assertThat(productpage.clusters()).containsKey(egress);
    RouteConfiguration route = (RouteConfiguration) productpage.routes().get("80").resource();
    assertThat(route.getVirtualHostsList().getLast().getRoutes(0).getRoute().getCluster())
        .isEqualTo(egress);
    Listener unscoped = (Listener) reviews.listeners().get("virtualOutbound").resource();
    assertThat(unscoped.getDefaultFilterChain().getName()).isEqualTo("PassthroughCluster");
  }

  private MeshConfig scenario(String scenario, String extraYaml) {
    MeshConfig mesh =
        MeshFixtures.load(MeshFixtures.bookinfoScenario(tmp, "scoping", scenario, extraYaml));
    assertThat(mesh.errors()).isEmpty();
    return mesh;
  }

  private ProxyResources generate(MeshConfig mesh, String workload) {
    return generator.generate(
        mesh, ProxyNode.sidecar(mesh.workload("default", workload).orElseThrow()));
  }

  private static Cluster cluster(ProxyResources resources, String name) {
    return (Cluster) resources.clusters().get(name).resource();
  }

  private static String endpoint(ProxyResources resources, String cluster) {
    var address =
        cluster(resources, cluster)
            .getLoadAssignment()
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getEndpoint()
            .getAddress()
            .getSocketAddress();
    return address.getAddress() + ":" + address.getPortValue();
  }

  private static java.util.List<String> chainNames(ProxyResources resources) {
    Listener inbound = (Listener) resources.listeners().get("virtualInbound").resource();
    return inbound.getFilterChainsList().stream().map(FilterChain::getName).toList();
  }
}
