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
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * VirtualService match conditions on the client (sourceLabels, gateways, sourceNamespace) and
 * withoutHeaders, in the bookinfo mesh with {@code src/test/resources/client-conditions/}: for two
 * proxies with different labels, the reviews route configuration ("9080") and mongo-src's listeners
 * against their golden, and the proxy's whole config accepted by the real {@code envoy --mode
 * validate}.
 */
class ClientConditionsGoldenTest {
  private static final String MONGO_SRC_VIP = "198.19.10.22";

  @TempDir static Path tmp;
  static List<? extends Message> secrets;
  static MeshConfig mesh;

  @BeforeAll
  static void load() throws Exception {
    secrets = ProductpageGoldens.secrets(tmp);
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve("mesh")));
    try (InputStream in =
        ClientConditionsGoldenTest.class.getResourceAsStream(
            "/client-conditions/client-conditions.yaml")) {
      Files.copy(in, dir.resolve("istio.yaml"), StandardCopyOption.REPLACE_EXISTING);
    }
    mesh = MeshFixtures.load(dir);
    assertThat(mesh.errors()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"productpage-v1", "reviews-v1"})
  void matchesGoldenAndEnvoyAcceptsIt(String workload) throws IOException {
    ProxyNode proxy = ProxyNode.sidecar(mesh.workload("default", workload).orElseThrow());

    ProxyResources resources =
        new ProxyConfigGenerator(MeshSettings.defaults()).generate(mesh, proxy);

    Map<String, VersionedResource> listeners = new TreeMap<>();
    resources.listeners().entrySet().stream()
        .filter(e -> e.getKey().startsWith(MONGO_SRC_VIP + "_"))
        .forEach(e -> listeners.put(e.getKey(), e.getValue()));
    assertThat(listeners).hasSize(2);
    Goldens.assertMatches(
        "client-conditions/" + workload + ".json",
        Goldens.render(
            new ProxyResources(
                Map.of(
                    ProxyResources.LISTENER,
                    listeners,
                    ProxyResources.ROUTE,
                    Map.of("9080", resources.routes().get("9080"))))));
    ProductpageGoldens.validate(secrets, resources);
  }
}
