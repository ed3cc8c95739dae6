package io.outrigger.controlplane.registry.file;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.RouteDestination;
import io.outrigger.controlplane.testing.MeshFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class FileRegistryWatchTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    @TempDir
    Path dir;

    @Test
    void editedFileIsReloadedAndListenersSeeTheNewSnapshot() throws IOException {
        MeshFixtures.copyBookinfo(dir);
        List<MeshConfig> seen = new CopyOnWriteArrayList<>();
        try (FileRegistry registry = new FileRegistry(dir, Duration.ofMillis(100))) {
            registry.addListener(seen::add);
            registry.start();
            assertThat(seen).as("the initial snapshot is published on start").hasSize(1);

            Path istio = dir.resolve("istio.yaml");
            Files.writeString(istio, Files.readString(istio)
                    .replace("weight: 90", "weight: 50").replace("weight: 10", "weight: 50"));

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(seen).hasSizeGreaterThan(1));
            MeshConfig latest = seen.getLast();
            assertThat(latest.virtualService(REVIEWS).orElseThrow().http().get(1).destinations())
                    .extracting(RouteDestination::weight).containsExactly(50, 50);
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
            Files.writeString(sub.resolve("svc.yaml"), """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: cart, namespace: team-a}
                    spec: {clusterIP: 198.19.20.1, selector: {app: cart}, ports: [{name: http, port: 8080}]}
                    """);

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(registry.current().service("cart.team-a.svc.cluster.local")).isPresent());
        }
    }
}
