package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a proxy may reach, given a Sidecar and exportTo (the scenarios of {@code
 * src/test/resources/scoping/}): the scoped proxy gets only its clusters, routes and endpoints,
 * unscoped ones still share one outbound set.
 */
class OutboundScopingTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  @TempDir Path tmp;
  private final ProxyConfigGenerator generator = new ProxyConfigGenerator(MeshSettings.defaults());

  @Test
  void aSidecarLimitsItsProxyToItsEgressHostsAndOthersStillSeeEverything() throws IOException {
    MeshConfig mesh = scenario("sidecar-egress", "");

    ProxyResources scoped = generate(mesh, "default", "productpage-v1");
    ProxyResources unscoped = generate(mesh, "default", "reviews-v1");

    assertThat(outboundClusters(scoped))
        .containsExactlyInAnyOrder(
            "outbound|9080||" + REVIEWS,
            "outbound|9080|v1|" + REVIEWS,
            "outbound|9080|v2|" + REVIEWS,
            "outbound|9080||details.default.svc.cluster.local",
            "outbound|80||httpbin.example.com");
    assertThat(scoped.endpoints().keySet())
        .as("DNS clusters carry their endpoints; only EDS ones get an assignment")
        .containsExactlyInAnyOrder(
            "outbound|9080||" + REVIEWS,
            "outbound|9080|v1|" + REVIEWS,
            "outbound|9080|v2|" + REVIEWS,
            "outbound|9080||details.default.svc.cluster.local");
    assertThat(outboundClusters(unscoped))
        .contains(
            "outbound|9080||ratings.default.svc.cluster.local",
            "outbound|27017||mongodb.default.svc.cluster.local",
            "outbound|80||elsewhere.example.org");
    assertThat(scoped.listeners())
        .doesNotContainKey("198.19.10.3_9080")
        .containsKeys("198.19.10.2_9080", "0.0.0.0_80");
    RouteConfiguration route9080 = (RouteConfiguration) scoped.routes().get("9080").resource();
    assertThat(route9080.getVirtualHostsList())
        .extracting(VirtualHost::getName)
        .containsExactly("details.default.svc.cluster.local:9080", REVIEWS + ":9080", "block_all");
    assertThat(serializedSize(scoped))
        .as("a scoped proxy's configuration is smaller than an unscoped one's")
        .isLessThan(serializedSize(unscoped));
  }

  @Test
  void unscopedProxiesOfDifferentNamespacesShareOneOutboundSet() throws IOException {
    MeshConfig mesh = scenario("service-entry", shopWorkload());

    ProxyResources productpage = generate(mesh, "default", "productpage-v1");
    ProxyResources shop = generate(mesh, "shop", "shop-v1");

    assertThat(((LayeredMap<VersionedResource>) productpage.clusters()).shared())
        .isSameAs(((LayeredMap<VersionedResource>) shop.clusters()).shared());
    assertThat(productpage.endpoints()).isSameAs(shop.endpoints());
  }

  @Test
  void exportToHidesVirtualServicesDestinationRulesAndServiceEntriesFromOtherNamespaces()
      throws IOException {
    MeshConfig mesh = scenario("export-to", shopWorkload());

    ProxyResources productpage = generate(mesh, "default", "productpage-v1");
    ProxyResources shop = generate(mesh, "shop", "shop-v1");

    assertThat(outboundClusters(productpage))
        .contains("outbound|80||public-api.example.com")
        .doesNotContain("outbound|80||shop-api.example.com");
    assertThat(outboundClusters(shop)).contains("outbound|80||shop-api.example.com");
    assertThat(reviewsRoute(productpage))
        .as("the VirtualService exported to shop only does not route default's calls")
        .doesNotContain("|v2|");
    assertThat(reviewsRoute(shop)).contains("outbound|9080|v2|" + REVIEWS);
    assertThat(
            productpage
                .clusters()
                .get("outbound|9080||ratings.default.svc.cluster.local")
                .resource()
                .toString())
        .as("shop's DestinationRule (exportTo .) does not apply in default")
        .doesNotContain("RANDOM");
    assertThat(
            shop.clusters()
                .get("outbound|9080||ratings.default.svc.cluster.local")
                .resource()
                .toString())
        .contains("RANDOM");
    assertThat(clusterText(productpage, "details"))
        .as("default's own DestinationRule for details wins in default")
        .doesNotContain("LEAST_REQUEST");
    assertThat(clusterText(shop, "details"))
        .as("shop's own DestinationRule for details wins in shop")
        .contains("LEAST_REQUEST");
  }

  private static String clusterText(ProxyResources resources, String service) {
    return resources
        .clusters()
        .get("outbound|9080||" + service + ".default.svc.cluster.local")
        .resource()
        .toString();
  }

  @Test
  void aServiceAnnotatedWithExportToDotIsHiddenFromOtherNamespaces() throws IOException {
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve("annotated")));
    MeshFixtures.replace(
        dir,
        "services.yaml",
        "metadata: {name: ratings, namespace: default}",
        "metadata:\n  name: ratings\n  namespace: default\n"
            + "  annotations: {networking.istio.io/exportTo: \".\"}");
    Files.writeString(dir.resolve("shop.yaml"), shopWorkload());
    MeshConfig mesh = MeshFixtures.load(dir);
    assertThat(mesh.errors()).isEmpty();

    assertThat(outboundClusters(generate(mesh, "default", "productpage-v1")))
        .contains("outbound|9080||ratings.default.svc.cluster.local");
    assertThat(outboundClusters(generate(mesh, "shop", "shop-v1")))
        .doesNotContain("outbound|9080||ratings.default.svc.cluster.local")
        .contains("outbound|9080||" + REVIEWS);
  }

  @Test
  void badObjectsAreRefusedNamingTheFieldAndTheReason() throws IOException {
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve("bad")));
    Files.writeString(
        dir.resolve("bad.yaml"),
        """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: bad-endpoint, namespace: default}
        spec:
          ingress: [{port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "localhost:9080"}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: two-catch-alls, namespace: default}
        spec:
          egress: [{hosts: ["./*"]}, {hosts: ["*/*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: same-port, namespace: default}
        spec:
          egress: [{port: {number: 9080}, hosts: ["./*"]}, {port: {number: 9080}, hosts: ["*/*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: unix-endpoint, namespace: default}
        spec:
          ingress: [{port: {number: 9080, protocol: HTTP}, defaultEndpoint: "unix:///var/run/app.sock"}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: ingress-tls, namespace: default}
        spec:
          ingress: [{port: {number: 9080, protocol: HTTPS}, tls: {mode: SIMPLE}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: egress-proxy, namespace: default}
        spec:
          outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: proxy.example.com, port: {number: 3128}}}
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: privileged-bind, namespace: default}
        spec:
          ingress: [{port: {number: 80, protocol: HTTP}, captureMode: NONE}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: egress-bind, namespace: default}
        spec:
          egress: [{port: {number: 9080}, bind: 127.0.0.2, hosts: ["./*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: short-host, namespace: default}
        spec:
          egress: [{hosts: [reviews]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: dns-wildcard, namespace: default}
        spec:
          hosts: ["*.example.com"]
          resolution: DNS
          ports: [{number: 80, name: http}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: located, namespace: default}
        spec:
          hosts: [a.example.com]
          resolution: STATIC
          ports: [{number: 80, name: http}]
          endpoints: [{address: 198.18.7.7, locality: us/east}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: bad-export, namespace: default}
        spec:
          hosts: [details]
          exportTo: ["~", "."]
          http: [{route: [{destination: {host: details}}]}]
        """);

    MeshConfig mesh = MeshFixtures.load(dir);

    assertThat(mesh.errors())
        .extracting(ConfigError::message)
        .containsExactlyInAnyOrder(
            "Sidecar default/bad-endpoint: spec.ingress[0].defaultEndpoint: \"localhost:9080\" must"
                + " be 127.0.0.1:PORT or 0.0.0.0:PORT with PORT in 1..65535",
            "Sidecar default/two-catch-alls: spec.egress[0]: only the last egress listener may omit"
                + " port (it is the catch-all for every other port)",
            "Sidecar default/same-port: spec.egress[1].port.number: port 9080 has an egress"
                + " listener already",
            "Sidecar default/unix-endpoint: spec.ingress[0].defaultEndpoint: Unix domain sockets are"
                + " not implemented by Outrigger (the sidecar and the app share no socket"
                + " directory); use 127.0.0.1:PORT or 0.0.0.0:PORT",
            "Sidecar default/ingress-tls: spec.ingress[0].tls is not implemented by Outrigger"
                + " (Istio too applies it only behind the ENABLE_TLS_ON_SIDECAR_INGRESS flag): the"
                + " port is served with the mesh's mTLS as PeerAuthentication says; remove tls",
            "Sidecar default/egress-proxy: spec.outboundTrafficPolicy.egressProxy needs"
                + " spec.outboundTrafficPolicy.mode ALLOW_ANY",
            "Sidecar default/privileged-bind: spec.ingress[0].port.number: captureMode NONE"
                + " binds port 80, below 1024, which the unprivileged proxy cannot",
            "Sidecar default/egress-bind: spec.egress[0].bind is not implemented by Outrigger:"
                + " outbound listeners match the destination service's address; remove bind",
            "Sidecar default/short-host: spec.egress[0].hosts[0]: \"reviews\" is not of the form"
                + " namespace/host (e.g. \"./*\")",
            "ServiceEntry default/dns-wildcard: spec.hosts[0]: wildcard host \"*.example.com\" cannot"
                + " be resolved by DNS",
            "ServiceEntry default/located: spec.endpoints[0].locality is not implemented by"
                + " Outrigger: refused rather than silently ignored",
            "VirtualService default/bad-export: spec.exportTo: ~ (visible nowhere) cannot be"
                + " combined with other values");
  }

  private MeshConfig scenario(String scenario, String extraYaml) {
    MeshConfig mesh =
        MeshFixtures.load(MeshFixtures.bookinfoScenario(tmp, "scoping", scenario, extraYaml));
    assertThat(mesh.errors()).isEmpty();
    return mesh;
  }

  /** A workload of namespace shop, with nothing selecting it. */
  private static String shopWorkload() {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: shop-v1, namespace: shop}
        spec:
          address: 198.18.10.99
          labels: {app: shop, security.istio.io/tlsMode: istio}
        """;
  }

  private ProxyResources generate(MeshConfig mesh, String namespace, String workload) {
    return generator.generate(
        mesh, ProxyNode.sidecar(mesh.workload(namespace, workload).orElseThrow()));
  }

  private static List<String> outboundClusters(ProxyResources resources) {
    return resources.clusters().keySet().stream().filter(n -> n.startsWith("outbound|")).toList();
  }

  private static String reviewsRoute(ProxyResources resources) {
    RouteConfiguration route = (RouteConfiguration) resources.routes().get("9080").resource();
    return route.getVirtualHostsList().stream()
        .filter(v -> v.getName().equals(REVIEWS + ":9080"))
        .findFirst()
        .orElseThrow()
        .toString();
  }

  private static long serializedSize(ProxyResources resources) {
    return resources.typeUrls().stream()
        .flatMap(t -> resources.resources(t).values().stream())
        .mapToLong(r -> r.resource().getSerializedSize())
        .sum();
  }
}
