package io.outrigger.controlplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.outrigger.controlplane.generate.ProxyConfigGenerator;
import io.outrigger.controlplane.generate.ProxyResources;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.testsupport.EnvoyValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Golden scenarios of the productpage proxy: the bookinfo mesh with the Istio config of {@code
 * src/test/resources/<topic>/<scenario>/istio.yaml} in place of its own, the proxy's whole config
 * against {@code golden/<topic>/<scenario>.json}, and every resource accepted by the real {@code
 * envoy --mode validate}.
 */
public final class ProductpageGoldens {
  public static final String SPIFFE_ID =
      "spiffe://cluster.local/ns/default/sa/bookinfo-productpage";

  private ProductpageGoldens() {}

  /** The productpage proxy's secrets, made in {@code workDir}/secrets. */
  public static List<? extends Message> secrets(Path workDir) throws Exception {
    return TestSecrets.create(Files.createDirectory(workDir.resolve("secrets")), SPIFFE_ID);
  }

  /**
   * @param workDir an empty directory of the test's own
   * @param secrets the proxy's secrets ({@link #secrets})
   */
  public static void assertScenario(
      Path workDir, List<? extends Message> secrets, String topic, String scenario)
      throws IOException {
    MeshConfig mesh =
        MeshFixtures.load(MeshFixtures.bookinfoScenario(workDir, topic, scenario, ""));
    assertThat(mesh.errors()).isEmpty();
    ProxyNode proxy = ProxyNode.sidecar(mesh.workload("default", "productpage-v1").orElseThrow());

    ProxyResources resources =
        new ProxyConfigGenerator(MeshSettings.defaults()).generate(mesh, proxy);

    Goldens.assertMatches(topic + "/" + scenario + ".json", Goldens.render(resources));
    validate(secrets, resources);
  }

  /**
   * Every resource of a proxy's config, with its secrets, through the real {@code envoy --mode
   * validate}.
   */
  public static void validate(List<? extends Message> secrets, ProxyResources resources) {
    List<Message> all = new ArrayList<>(secrets);
    resources
        .typeUrls()
        .forEach(type -> resources.resources(type).values().forEach(r -> all.add(r.resource())));
    EnvoyValidator.validateResources(all);
  }
}
