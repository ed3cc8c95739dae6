package io.outrigger.controlplane.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.Goldens;
import io.outrigger.controlplane.testing.MeshFixtures;
import io.outrigger.controlplane.testing.TestSecrets;
import io.outrigger.testsupport.EnvoyValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Generated config for the bookinfo mesh, per proxy: compared with the reviewed goldens, and
 * accepted by the real {@code envoy --mode validate} together with the SDS secrets it refers to.
 */
class BookinfoGoldenTest {
  @TempDir static Path tmp;
  static MeshConfig mesh;
  static List<? extends Message> secrets;

  @BeforeAll
  static void load() throws Exception {
    mesh = MeshFixtures.bookinfo(Files.createDirectory(tmp.resolve("mesh")));
    assertThat(mesh.errors()).isEmpty();
    secrets =
        TestSecrets.create(
            Files.createDirectory(tmp.resolve("secrets")),
            "spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
  }

  @ParameterizedTest(name = "{0} with {1}")
  @CsvSource({
    "productpage-v1, ALLOW_ANY", // PERMISSIVE from the mesh policy, outbound canary routes
    "ratings-v1, ALLOW_ANY", // STRICT workload policy, port 9090 DISABLE, target port 8080
    "details-v1, REGISTRY_ONLY", // no sidecar label, unknown destinations blocked
  })
  void matchesGoldenAndEnvoyAcceptsIt(String workload, OutboundTrafficPolicy policy) {
    MeshSettings settings = MeshSettings.defaults().withOutboundTrafficPolicy(policy);
    ProxyNode proxy = ProxyNode.sidecar(mesh.workload("default", workload).orElseThrow());

    ProxyResources resources = new ProxyConfigGenerator(settings).generate(mesh, proxy);

    Goldens.assertMatches("bookinfo/" + workload + ".json", Goldens.render(resources));
    EnvoyValidator.validateResources(allOf(resources));
  }

  private static List<Message> allOf(ProxyResources resources) {
    List<Message> all = new ArrayList<>(secrets);
    resources
        .typeUrls()
        .forEach(type -> resources.resources(type).values().forEach(r -> all.add(r.resource())));
    return all;
  }
}
