package io.outrigger.controlplane.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.registry.file.YamlDirectory;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pods and EndpointSlices in the model: a pod is a workload once it has an IP, it serves only when
 * Running and Ready, and a file Service still takes its endpoints from its selector (slices in a
 * file are read but do not override it). Two sources merge into one model, a duplicate across them
 * being a config error.
 */
class PodsAndSlicesTest {
  @TempDir Path dir;

  static String pod(String name, String ip, String phase, boolean ready, String extraAnnotations) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          namespace: shop
          labels: {app: reviews}
          annotations: {%s}
        spec:
          serviceAccountName: reviews
          containers: [{name: app, image: app}]
        status:
          phase: %s
          podIP: %s
          conditions: [{type: Ready, status: "%s"}]
        ---
        """
        .formatted(name, extraAnnotations, phase, ip, ready ? "True" : "False");
  }

  static final String SERVICE =
      """
      apiVersion: v1
      kind: Service
      metadata: {name: reviews, namespace: shop}
      spec:
        clusterIP: 198.19.0.5
        selector: {app: reviews}
        ports: [{name: http, port: 9080}]
      ---
      """;

  static final String SLICE =
      """
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata:
        name: reviews-abc
        namespace: shop
        labels: {kubernetes.io/service-name: reviews}
      addressType: IPv4
      ports: [{name: http, port: 9080}]
      endpoints:
      - addresses: [198.18.0.99]
      ---
      """;

  @Test
  void onlyRunningReadyPodsServeAFileServiceButEveryPodWithAnIpIsAWorkload() throws IOException {
    Files.writeString(
        dir.resolve("mesh.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: books}}\n---\n"
            + SERVICE
            + SLICE
            + pod("ready", "198.18.0.1", "Running", true, "outrigger.io/status: '{}'")
            + pod("not-ready", "198.18.0.2", "Running", false, "")
            + pod("pending", "198.18.0.3", "Pending", false, "")
            + pod("no-ip-yet", "", "Pending", false, ""));

    MeshConfig mesh = MeshFixtures.load(dir);

    assertThat(mesh.errors()).isEmpty();
    assertThat(mesh.workloads())
        .extracting(Workload::name)
        .containsExactly("not-ready", "pending", "ready");
    // the file Service's endpoints come from its selector, over serving pods; the slice does not
    // count here
    assertThat(mesh.workloadsOf("reviews.shop.svc.cluster.local"))
        .extracting(Workload::address)
        .containsExactly("198.18.0.1");
    Workload ready = mesh.workload("shop", "ready").orElseThrow();
    assertThat(ready.inMesh()).as("the injection status annotation means a sidecar").isTrue();
    assertThat(ready.identity()).isEqualTo("shop/reviews");
    assertThat(mesh.workload("shop", "not-ready").orElseThrow().inMesh()).isFalse();
    // a pod that is not ready still has its inbound side: its sidecar needs it to become ready
    assertThat(mesh.servicesOf(mesh.workload("shop", "not-ready").orElseThrow()))
        .extracting(s -> s.name())
        .containsExactly("reviews");
    assertThat(mesh.endpointSlices()).hasSize(1);
    assertThat(mesh.namespaceLabels("shop")).containsExactly(java.util.Map.entry("team", "books"));
    assertThat(mesh.namespaceLabels("elsewhere")).isEmpty();
  }

  @Test
  void twoSourcesMergeIntoOneModelAndAnObjectInBothIsAConfigError() throws IOException {
    Path first = Files.createDirectory(dir.resolve("first"));
    Path second = Files.createDirectory(dir.resolve("second"));
    Files.writeString(
        first.resolve("reviews.yaml"), SERVICE + pod("ready", "198.18.0.1", "Running", true, ""));
    Files.writeString(
        second.resolve("more.yaml"),
        SERVICE.replace("198.19.0.5", "198.19.0.6")
            + pod("other", "198.18.0.7", "Running", true, ""));

    try (MeshRegistry registry =
        new MeshRegistry(
            List.of(
                new YamlDirectory(first, Duration.ofMillis(20)),
                new YamlDirectory(second, Duration.ofMillis(20))))) {
      registry.start();
      MeshConfig mesh = registry.current();

      assertThat(mesh.workloads()).extracting(Workload::name).containsExactly("other", "ready");
      assertThat(mesh.service("reviews.shop.svc.cluster.local").orElseThrow().vip())
          .as("the first source's object is used")
          .isEqualTo("198.19.0.5");
      assertThat(mesh.errors())
          .singleElement()
          .satisfies(
              e ->
                  assertThat(e.message())
                      .isEqualTo(
                          "Service shop/reviews: defined twice (in reviews.yaml and more.yaml), the first one is used"));
    }
  }
}
