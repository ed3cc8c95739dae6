package io.outrigger.controlplane.registry.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRegistryWatchTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  @TempDir Path dir;

  @Test
  void editedFileIsReloadedAndListenersSeeTheNewSnapshot() throws IOException {
    MeshFixtures.copyBookinfo(dir);
    List<MeshConfig> seen = new CopyOnWriteArrayList<>();
    try (FileRegistry registry = new FileRegistry(dir, Duration.ofMillis(100))) {
      registry.addListener(seen::add);
      registry.start();
      assertThat(seen).as("the initial snapshot is published on start").hasSize(1);

      Path istio = dir.resolve("istio.yaml");
      Files.writeString(
          istio,
          Files.readString(istio)
              .replace("weight: 90", "weight: 50")
              .replace("weight: 10", "weight: 50"));

      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(seen).hasSizeGreaterThan(1));
      MeshConfig latest = seen.getLast();
      assertThat(latest.virtualService(REVIEWS).orElseThrow().http().get(1).destinations())
          .extracting(RouteDestination::weight)
          .containsExactly(50, 50);
      assertThat(latest).isSameAs(registry.current());
    }
  }

  @Test
  void fileInANewSubdirectoryIsPickedUp() throws IOException {
    MeshFixtures.copyBookinfo(dir);
    try (FileRegistry registry = new FileRegistry(dir, Duration.ofMillis(100))) {
      registry.start();
      Path sub = Files.createDirectory(dir.resolve("team-a"));
      await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
      Files.writeString(
          sub.resolve("svc.yaml"),
          """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: cart, namespace: team-a}
                    spec: {clusterIP: 198.19.20.1, selector: {app: cart}, ports: [{name: http, port: 8080}]}
                    """);

      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(registry.current().service("cart.team-a.svc.cluster.local"))
                      .isPresent());
    }
  }

  @Test
  void fileCutOffMidLineKeepsItsLastGoodObjectsUntilTheWriteEnds() throws Exception {
    MeshFixtures.copyBookinfo(dir);
    Path istio = dir.resolve("istio.yaml");
    String fifty =
        Files.readString(istio)
            .replace("weight: 90", "weight: 50")
            .replace("weight: 10", "weight: 50");
    try (FileRegistry registry = new FileRegistry(dir, Duration.ofMillis(20))) {
      registry.start();
      // A writer stopped after "weight: 5": valid YAML, a route of weight 5 and no second one.
      Files.writeString(
          istio, fifty.substring(0, fifty.indexOf("weight: 5") + "weight: 5".length()));
      Thread.sleep(1000);
      assertThat(weights(registry))
          .as("the last good VirtualService stays")
          .containsExactly(90, 10);
      assertThat(registry.current().errors()).isEmpty();
      Files.writeString(istio, "");
      Thread.sleep(500);
      assertThat(weights(registry)).as("truncated, not written yet").containsExactly(90, 10);

      Files.writeString(istio, fifty);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(weights(registry)).containsExactly(50, 50));
    }
  }

  @Test
  void fileLeftWithoutAFinalLineBreakIsReadAfterTheGrace() throws Exception {
    MeshFixtures.copyBookinfo(dir);
    Path istio = dir.resolve("istio.yaml");
    try (FileRegistry registry = new FileRegistry(dir, Duration.ofMillis(20))) {
      registry.start();
      Files.writeString(
          istio,
          Files.readString(istio)
              .replace("weight: 90", "weight: 50")
              .replace("weight: 10", "weight: 50")
              .stripTrailing());
      Thread.sleep(1000);
      assertThat(weights(registry)).containsExactly(90, 10);
      await()
          .atMost(YamlDirectory.WRITE_GRACE.plusSeconds(5))
          .untilAsserted(() -> assertThat(weights(registry)).containsExactly(50, 50));
    }
  }

  @Test
  void directoryReplacedByRenameIsWatchedFromThenOn(@TempDir Path parent) throws Exception {
    Path registryDir = Files.createDirectory(parent.resolve("registry"));
    MeshFixtures.copyBookinfo(registryDir);
    Path next = Files.createDirectory(parent.resolve("registry.next"));
    MeshFixtures.copyBookinfo(next);
    String istio = Files.readString(next.resolve("istio.yaml"));
    Files.writeString(
        next.resolve("istio.yaml"),
        istio.replace("weight: 90", "weight: 70").replace("weight: 10", "weight: 30"));
    try (FileRegistry registry = new FileRegistry(registryDir, Duration.ofMillis(20))) {
      registry.start();
      Files.move(registryDir, parent.resolve("registry.old"));
      Thread.sleep(200); // no directory for a moment: nothing is dropped
      assertThat(registry.current().virtualService(REVIEWS)).isPresent();
      Files.move(next, registryDir);

      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(weights(registry)).containsExactly(70, 30));
      Files.writeString(
          registryDir.resolve("istio.yaml"),
          istio.replace("weight: 90", "weight: 60").replace("weight: 10", "weight: 40"));
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(weights(registry)).containsExactly(60, 40));
    }
  }

  private static List<Integer> weights(FileRegistry registry) {
    return registry
        .current()
        .virtualService(REVIEWS)
        .orElseThrow()
        .http()
        .get(1)
        .destinations()
        .stream()
        .map(RouteDestination::weight)
        .toList();
  }
}
