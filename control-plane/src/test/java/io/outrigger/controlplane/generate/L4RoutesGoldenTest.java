package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.outrigger.controlplane.generate.naming.ResourceNames;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The outbound listeners VirtualService {@code tcp} and {@code tls} routes shape, one golden per
 * scenario (only the listeners of the scenario's service: the rest is the bookinfo goldens'), each
 * full config accepted by the real {@code envoy --mode validate}. Config is in
 * src/test/resources/l4-routes/.
 */
class L4RoutesGoldenTest {
  @TempDir static Path tmp;
  static List<? extends Message> secrets;

  @BeforeAll
  static void secrets() throws Exception {
    secrets = ProductpageGoldens.secrets(tmp);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "tcp-weighted, 198.19.10.20", // weighted subsets by port; destinationSubnets against the VIP
    "tls-sni, 198.19.10.21", // SNI chains, first match keeps a name, wildcard, tcp fallback
  })
  void matchesGoldenAndEnvoyAcceptsIt(String scenario, String vip) throws IOException {
    Path dir = MeshFixtures.copyBookinfo(Files.createDirectory(tmp.resolve(scenario)));
    try (InputStream in = getClass().getResourceAsStream("/l4-routes/" + scenario + ".yaml")) {
      Files.copy(in, dir.resolve("l4.yaml"));
    }
    MeshConfig mesh = MeshFixtures.load(dir);
    assertThat(mesh.errors()).isEmpty();
    ProxyNode proxy = ProxyNode.sidecar(mesh.workload("default", "productpage-v1").orElseThrow());

    ProxyResources resources =
        new ProxyConfigGenerator(MeshSettings.defaults()).generate(mesh, proxy);

    Map<String, VersionedResource> listeners = new LinkedHashMap<>();
    resources.listeners().entrySet().stream()
        .filter(e -> e.getKey().startsWith(vip + "_"))
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> listeners.put(e.getKey(), e.getValue()));
    assertThat(listeners).isNotEmpty().doesNotContainKey(ResourceNames.VIRTUAL_OUTBOUND);
    Goldens.assertMatches(
        "l4-routes/" + scenario + ".json",
        Goldens.render(new ProxyResources(Map.of(ProxyResources.LISTENER, listeners))));
    ProductpageGoldens.validate(secrets, resources);
  }
}
