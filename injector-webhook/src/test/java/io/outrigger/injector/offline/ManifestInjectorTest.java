package io.outrigger.injector.offline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.injector.GoldenShapes;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestInjectorTest {

  private final ManifestInjector injector = new ManifestInjector(GoldenShapes.injector());

  @Test
  void injectsEveryPodTemplateOfAMultiDocumentManifest() throws Exception {
    String manifest =
        String.join(
            "---\n",
            GoldenShapes.yaml(GoldenShapes.object("deployment")),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\nspec:\n  ports:\n    - port: 9080\n",
            GoldenShapes.yaml(GoldenShapes.object("cronjob")),
            GoldenShapes.yaml(GoldenShapes.object("host-network")),
            kind("StatefulSet"),
            kind("DaemonSet"),
            kind("ReplicaSet"),
            kind("Job"));

    ManifestInjector.Output output = injector.inject(manifest);
    List<JsonNode> docs =
        GoldenShapes.YAML.readerFor(JsonNode.class).<JsonNode>readValues(output.yaml()).readAll();

    assertThat(docs).hasSize(8);
    assertThat(sidecar(docs.get(0).at("/spec/template/spec/initContainers/0"))).isTrue();
    assertThat(docs.get(1))
        .isEqualTo(
            GoldenShapes.YAML.readTree(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\nspec:\n  ports:\n    - port: 9080\n"));
    assertThat(sidecar(docs.get(2).at("/spec/jobTemplate/spec/template/spec/initContainers/0")))
        .isTrue();
    assertThat(docs.get(3)).isEqualTo(GoldenShapes.object("host-network"));
    for (JsonNode workload : docs.subList(4, 8)) {
      assertThat(sidecar(workload.at("/spec/template/spec/initContainers/0")))
          .as(workload.path("kind").asText())
          .isTrue();
    }
    assertThat(output.notes())
        .contains(
            "Deployment bookinfo/reviews-v2 injected",
            "Pod monitoring/node-exporter skipped: pod monitoring/node-exporter uses hostNetwork:"
                + " a sidecar would capture the node's traffic");
  }

  @Test
  void theTemplateGetsWhatTheGoldenInjectionGives() throws Exception {
    ManifestInjector.Output output =
        injector.inject(GoldenShapes.yaml(GoldenShapes.object("cronjob")));
    JsonNode template =
        GoldenShapes.YAML.readTree(output.yaml()).at("/spec/jobTemplate/spec/template");

    JsonNode expected = GoldenShapes.injector().inject(GoldenShapes.request("cronjob")).pod();
    assertThat(template.path("spec")).isEqualTo(expected.path("spec"));
    assertThat(template.path("metadata")).isEqualTo(expected.path("metadata"));
  }

  @Test
  void annotationValuesStayStringsInTheYaml() throws Exception {
    String yaml = injector.inject(GoldenShapes.yaml(GoldenShapes.object("plain-pod"))).yaml();

    assertThat(yaml).contains("prometheus.io/port: \"15090\"");
    assertThat(
            GoldenShapes.YAML
                .readTree(yaml)
                .at("/metadata/annotations/prometheus.io~1port")
                .isTextual())
        .isTrue();
  }

  private static boolean sidecar(JsonNode container) {
    return container.path("name").asText().equals("outrigger-proxy");
  }

  private static String kind(String kind) {
    return "apiVersion: apps/v1\nkind: "
        + kind
        + "\nmetadata:\n  name: w-"
        + kind.toLowerCase()
        + "\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: w\n"
        + "    spec:\n      containers:\n        - name: app\n          image: example.test/app:1\n";
  }
}
