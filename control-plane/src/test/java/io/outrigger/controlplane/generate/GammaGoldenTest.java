package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.Goldens;
import io.outrigger.controlplane.testing.MeshFixtures;
import io.outrigger.controlplane.testing.ProductpageGoldens;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bookinfo services and workloads, Services per reviews version, and the Gateway API HTTPRoutes
 * of {@code src/test/resources/gamma/<scenario>} (in place of bookinfo's Istio config): the
 * productpage proxy's config against its golden, and accepted by the real {@code envoy --mode
 * validate}.
 */
class GammaGoldenTest {
  @TempDir static Path tmp;
  static List<? extends Message> secrets;

  @BeforeAll
  static void secrets() throws Exception {
    secrets = ProductpageGoldens.secrets(tmp);
  }

  @ParameterizedTest
  @ValueSource(strings = {"weights-matches", "filters", "consumer-ports"})
  void matchesGoldenAndEnvoyAcceptsIt(String scenario) throws IOException {
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve(scenario)));
    try (InputStream in = getClass().getResourceAsStream("/gamma/" + scenario + "/istio.yaml")) {
      Files.copy(in, dir.resolve("istio.yaml"), StandardCopyOption.REPLACE_EXISTING);
    }
    try (InputStream in = getClass().getResourceAsStream("/gamma/versions.yaml")) {
      Files.copy(in, dir.resolve("versions.yaml"));
    }
    MeshConfig mesh = MeshFixtures.load(dir);
    assertThat(mesh.errors()).isEmpty();
    assertThat(mesh.httpRoutes()).isNotEmpty();
    ProxyNode proxy = ProxyNode.sidecar(mesh.workload("default", "productpage-v1").orElseThrow());

    ProxyResources resources =
        new ProxyConfigGenerator(MeshSettings.defaults()).generate(mesh, proxy);

    Goldens.assertMatches("gamma/" + scenario + ".json", Goldens.render(resources));
    ProductpageGoldens.validate(secrets, resources);
  }

  /**
   * Bookinfo's VirtualService for reviews (jason-to-v3, canary) and an HTTPRoute on the same
   * Service port: the HTTPRoute's rules are the routes (docs/gateway-api.md says why).
   */
  @org.junit.jupiter.api.Test
  void anHttpRouteTakesPrecedenceOverAVirtualServiceOnTheSamePort() throws IOException {
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve("precedence")));
    try (InputStream in = getClass().getResourceAsStream("/gamma/versions.yaml")) {
      Files.copy(in, dir.resolve("versions.yaml"));
    }
    Files.writeString(
        dir.resolve("route.yaml"),
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: precedence, namespace: default}
        spec:
          parentRefs: [{kind: Service, name: reviews, port: 9080}]
          rules: [{backendRefs: [{name: reviews-v2, port: 9080}]}]
        """);
    MeshConfig mesh = MeshFixtures.load(dir);
    assertThat(mesh.errors()).isEmpty();
    assertThat(mesh.virtualServices()).isNotEmpty();
    ProxyNode proxy = ProxyNode.sidecar(mesh.workload("default", "productpage-v1").orElseThrow());

    String rendered =
        Goldens.render(new ProxyConfigGenerator(MeshSettings.defaults()).generate(mesh, proxy));

    assertThat(rendered)
        .contains("default.precedence.0.0")
        .doesNotContain("\"jason-to-v3\"")
        .doesNotContain("\"canary\"");
  }

  /**
   * The generator reuses a snapshot's routes when nothing they read changed: an HTTPRoute added
   * with services, VirtualServices and DestinationRules unchanged must still reach the routes.
   */
  @org.junit.jupiter.api.Test
  void anHttpRouteAddedLaterReachesTheRoutesOfTheNextSnapshot() throws IOException {
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve("later")));
    try (InputStream in = getClass().getResourceAsStream("/gamma/versions.yaml")) {
      Files.copy(in, dir.resolve("versions.yaml"));
    }
    ProxyConfigGenerator generator = new ProxyConfigGenerator(MeshSettings.defaults());
    MeshConfig before = MeshFixtures.load(dir);
    ProxyNode proxy = ProxyNode.sidecar(before.workload("default", "productpage-v1").orElseThrow());
    assertThat(Goldens.render(generator.generate(before, proxy)))
        .doesNotContain("default.later.0.0");

    Files.writeString(
        dir.resolve("route.yaml"),
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: later, namespace: default}
        spec:
          parentRefs: [{kind: Service, name: ratings}]
          rules: [{backendRefs: [{name: reviews-v1, port: 9080}]}]
        """);
    MeshConfig after = MeshFixtures.load(dir);
    assertThat(after.services()).isEqualTo(before.services());

    assertThat(Goldens.render(generator.generate(after, proxy))).contains("default.later.0.0");
  }
}
