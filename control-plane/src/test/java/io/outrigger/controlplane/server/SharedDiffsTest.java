package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.controlplane.generate.ProxyConfigGenerator;
import io.outrigger.controlplane.generate.ProxyResources;
import io.outrigger.controlplane.generate.VersionedResource;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.testing.MeshFixtures;
import io.outrigger.controlplane.xds.ResourceVersions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-push diff of the generator's shared maps, on real generated Bookinfo config: it names
 * exactly what moved, and the set versions summed per layer equal a walk over every resource.
 */
class SharedDiffsTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  @TempDir Path dir;
  private final ProxyConfigGenerator generator = new ProxyConfigGenerator(MeshSettings.defaults());
  private final SharedDiffs diffs = new SharedDiffs();

  @Test
  void endpointMoveNamesOnlyTheAssignmentsThatHoldIt() {
    ProxyResources before = generate(MeshFixtures.bookinfo(dir), "productpage-v1");
    MeshFixtures.replace(dir, "workloads.yaml", "198.18.10.22", "198.18.10.122");
    ProxyResources after = generate(MeshFixtures.load(dir), "productpage-v1");

    assertThat(diffs.changed(before.endpoints(), after.endpoints()))
        .containsExactlyInAnyOrder("outbound|9080||" + REVIEWS, "outbound|9080|v2|" + REVIEWS);
    assertThat(diffs.changed(before.clusters(), after.clusters())).isEmpty();
    assertThat(diffs.changed(before.listeners(), after.listeners())).isEmpty();
    assertThat(diffs.changed(after.endpoints(), after.endpoints())).isEmpty();
  }

  @Test
  void differentProxiesDifferInTheirOwnLayerOnly() {
    MeshConfig mesh = MeshFixtures.bookinfo(dir);
    ProxyResources reviews = generate(mesh, "reviews-v1");
    ProxyResources ratings = generate(mesh, "ratings-v1");

    assertThat(diffs.changed(reviews.listeners(), ratings.listeners()))
        .containsExactly("virtualInbound");
    assertThat(diffs.changed(reviews.endpoints(), ratings.endpoints())).isEmpty();
  }

  @Test
  void setVersionOfLayersEqualsAWalkOverEveryResource() {
    ProxyResources resources = generate(MeshFixtures.bookinfo(dir), "reviews-v1");
    for (String type : resources.typeUrls()) {
      Map<String, VersionedResource> generated = resources.resources(type);
      Map<String, String> versions = new HashMap<>();
      generated.forEach((name, r) -> versions.put(name, r.version()));
      assertThat(diffs.setVersion(generated)).as(type).isEqualTo(ResourceVersions.ofSet(versions));
    }
  }

  private ProxyResources generate(MeshConfig mesh, String workload) {
    return generator.generate(
        mesh, ProxyNode.sidecar(mesh.workload("default", workload).orElseThrow()));
  }
}
