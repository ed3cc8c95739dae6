package io.outrigger.controlplane.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshConfigTest {
  private static final List<ServicePort> HTTP =
      List.of(new ServicePort("http", 9080, 9080, Protocol.HTTP));

  private final Workload reviewsV1 =
      new Workload(
          "shop",
          "reviews-v1",
          "198.18.0.10",
          Map.of("app", "reviews", "version", "v1"),
          "reviews",
          Map.of());
  private final Workload lonely =
      new Workload("shop", "lonely", "198.18.0.11", Map.of("app", "lonely"), "x", Map.of());
  private final MeshConfig mesh =
      MeshConfig.builder(1)
          .service(new Service("shop", "reviews", "198.19.0.1", HTTP, Map.of("app", "reviews")))
          .service(new Service("shop", "all-v1", "198.19.0.2", HTTP, Map.of("version", "v1")))
          .service(new Service("other", "reviews", "198.19.0.3", HTTP, Map.of("app", "reviews")))
          .workload(reviewsV1)
          .workload(lonely)
          .build();

  @Test
  void servicesOfAWorkloadAreTheSelectingServicesOfItsNamespaceInOrder() {
    assertThat(mesh.servicesOf(mesh.workload("shop", "reviews-v1").orElseThrow()))
        .extracting(Service::name)
        .containsExactly("all-v1", "reviews");
    assertThat(mesh.servicesOf(mesh.workload("shop", "lonely").orElseThrow())).isEmpty();
  }

  @Test
  void aWorkloadFromOutsideTheSnapshotIsMatchedByItsLabels() {
    Workload copy =
        new Workload(
            "shop",
            "reviews-v1",
            "198.18.0.99",
            Map.of("app", "reviews", "version", "v1"),
            "reviews",
            Map.of());
    Workload v2 =
        new Workload(
            "shop", "reviews-v2", "198.18.0.12", Map.of("app", "reviews"), "reviews", Map.of());

    assertThat(mesh.servicesOf(copy))
        .extracting(Service::name)
        .containsExactly("all-v1", "reviews");
    assertThat(mesh.servicesOf(v2)).extracting(Service::name).containsExactly("reviews");
  }
}
