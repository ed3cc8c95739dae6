package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.injector.yaml.KubeYaml;
import io.outrigger.testsupport.Helm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart (manifests/charts/outrigger) in the fast tier, with the real helm CLI: it lints,
 * its rendering is the committed golden file, and {@code outrigger manifest generate} renders the
 * same objects (parsed and compared one by one), so the chart and the command cannot drift apart.
 * Regenerate the golden files with {@code -Doutrigger.golden.update=true} after a deliberate
 * change, and read the diff.
 */
class ManifestGenerateTest {

  private static final String NAMESPACE = "outrigger-system";
  private static Helm helm;

  /**
   * Each variant: its golden file's name and the values it sets (the same for helm and for the
   * command).
   */
  static List<Variant> variants() {
    return List.of(
        new Variant("default", List.of()),
        new Variant(
            "revision-b-2-replicas-fixed-ip",
            List.of(
                "revision=b",
                "replicaCount=2",
                "controlPlane.address=198.19.232.15:15012",
                "controlPlane.serviceClusterIP=198.19.232.15",
                "images.pullPolicy=Never",
                "cni.enabled=false")));
  }

  record Variant(String name, List<String> sets) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void helm() {
    helm = Helm.require();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void helmLintPasses(Variant variant) {
    List<String> args = new ArrayList<>(List.of("lint", "--strict", Helm.chart().toString()));
    variant.sets().forEach(s -> args.addAll(List.of("--set", s)));
    ExecResult lint = helm.run(Duration.ofSeconds(60), args);
    assertThat(lint.exitCode()).as("helm lint:\n%s%s", lint.stdout(), lint.stderr()).isZero();
    assertThat(lint.stdout()).contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @ParameterizedTest
  @MethodSource("variants")
  void helmTemplateIsTheGoldenFile(Variant variant) throws IOException {
    String rendered = helm.template(NAMESPACE, false, variant.sets());
    Path golden = Path.of("src/test/resources/chart-golden", variant.name() + ".yaml");
    if (Boolean.getBoolean("outrigger.golden.update")) {
      Files.writeString(golden, rendered);
    }
    assertThat(rendered)
        .as("helm template vs %s (-Doutrigger.golden.update=true rewrites it)", golden)
        .isEqualTo(Files.readString(golden));
  }

  @ParameterizedTest
  @MethodSource("variants")
  void manifestGenerateRendersTheObjectsHelmRenders(Variant variant) throws IOException {
    Map<String, JsonNode> fromHelm = objects(helm.template(NAMESPACE, true, variant.sets()));
    List<String> args = new ArrayList<>(List.of("manifest", "generate", "--namespace", NAMESPACE));
    variant.sets().forEach(s -> args.addAll(List.of("--set", s)));
    Map<String, JsonNode> fromCommand = objects(generate(args.toArray(String[]::new)));

    assertThat(fromCommand.keySet()).isEqualTo(fromHelm.keySet());
    fromHelm.forEach((key, object) -> assertThat(fromCommand.get(key)).as(key).isEqualTo(object));
    // Not vacuous: the CRDs, every kind of object, and the variant's values are there.
    assertThat(fromHelm.keySet())
        .contains(
            "CustomResourceDefinition/virtualservices.networking.istio.io",
            "CustomResourceDefinition/httproutes.gateway.networking.k8s.io",
            "CustomResourceDefinition/authorizationpolicies.security.istio.io",
            "MutatingWebhookConfiguration/"
                + (variant.sets().isEmpty()
                    ? "outrigger-sidecar-injector"
                    : "outrigger-sidecar-injector-b"));
    // The CNI node agent (account, 4 RBAC objects, DaemonSet) in the default variant; revision b
    // leaves it to a.
    int cni = variant.sets().contains("cni.enabled=false") ? 0 : 6;
    long crds;
    try (var files = Files.list(Path.of("../manifests/charts/outrigger/crds"))) {
      crds = files.filter(f -> f.toString().endsWith(".yaml")).count();
    }
    assertThat(fromHelm.size())
        .as("%d CRDs (one per file of the chart's crds/), 10 objects and %d of the CNI", crds, cni)
        .isEqualTo(crds + 10 + cni);
    if (cni > 0) {
      assertThat(fromHelm).containsKey("DaemonSet/" + NAMESPACE + "/outrigger-cni");
    }
  }

  @Test
  void theRevisionFlagIsTheRevisionValue() throws IOException {
    assertThat(objects(generate("manifest", "generate", "--revision", "b")))
        .isEqualTo(objects(generate("manifest", "generate", "--set", "revision=b")))
        .containsKey("Deployment/outrigger-system/outrigger-b");
  }

  @Test
  void aValuesFileIsMergedOverTheDefaults(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("values.yaml");
    Files.writeString(file, "replicaCount: 2\nimages:\n  proxy: registry.example/envoy:1\n");
    Map<String, JsonNode> objects =
        objects(generate("manifest", "generate", "-f", file.toString(), "--no-crds"));
    assertThat(objects.get("Deployment/outrigger-system/outrigger").at("/spec/replicas").asInt())
        .isEqualTo(2);
    assertThat(
            objects
                .get("Deployment/outrigger-system/outrigger")
                .at("/spec/template/spec/containers/0/image")
                .asText())
        .isEqualTo("outrigger.local/outrigger:0.1.0");
    assertThat(
            objects
                .get("ConfigMap/outrigger-system/outrigger-injector")
                .at("/data/config.yaml")
                .asText())
        .contains("image: registry.example/envoy:1");
    assertThat(objects.keySet()).noneMatch(k -> k.startsWith("CustomResourceDefinition/"));
  }

  @Test
  void badValuesAreOneLineNamingTheValue(@TempDir Path dir) throws IOException {
    assertError(
        1,
        "unknown value 'replicas' (the chart has: revision, replicaCount,",
        "--set",
        "replicas=2");
    assertError(1, "unknown value 'controlPlane.adress'", "--set", "controlPlane.adress=x:1");
    assertError(1, "--set 'replicaCount': expected KEY=VALUE", "--set", "replicaCount");
    assertError(
        1, "value 'replicaCount' 'two': must be a whole number >= 0", "--set", "replicaCount=two");
    assertError(1, "value 'revision' 'B_1': must be a DNS label", "--revision", "B_1");
    assertError(
        1,
        "value 'controlPlane.address' 'outrigger': must be HOST:PORT",
        "--set",
        "controlPlane.address=outrigger");
    assertError(
        1,
        "value 'controlPlane.serviceClusterIP' '198.19.232': must be an IP address",
        "--set",
        "controlPlane.serviceClusterIP=198.19.232");
    assertError(1, "value 'images.pullPolicy' 'Sometimes'", "--set", "images.pullPolicy=Sometimes");
    assertError(
        1,
        "'images' is a map of values (images.controlPlane, images.proxy, images.pullPolicy)",
        "--set",
        "images=x");
    assertError(
        2, "--namespace 'Outrigger': not a Kubernetes namespace name", "--namespace", "Outrigger");
    Path missing = dir.resolve("absent.yaml");
    assertError(1, "values file " + missing + ": does not exist", "-f", missing.toString());
    Path list = Files.writeString(dir.resolve("list.yaml"), "- a\n- b\n");
    assertError(
        1, "values file " + list + ": must be a map of values, not ARRAY", "-f", list.toString());
  }

  /** Exit 1 for a bad value (an error the user can act on), 2 for a bad option (usage). */
  private static void assertError(int exit, String message, String... args) {
    List<String> all = new ArrayList<>(List.of("manifest", "generate"));
    all.addAll(List.of(args));
    CliRun run = CliRun.of(all.toArray(String[]::new));
    assertThat(run.err()).as("%s", all).contains(message).startsWith("error: ");
    assertThat(run.exitCode()).as("%s: %s", all, run.err()).isEqualTo(exit);
    assertThat(run.out()).as("nothing rendered on an error").isEmpty();
  }

  private static String generate(String... args) {
    CliRun run = CliRun.of(args);
    assertThat(run.exitCode()).as("outrigger %s: %s", String.join(" ", args), run.err()).isZero();
    return run.out();
  }

  /**
   * Every object of a YAML stream by kind/namespace/name (a name twice is a failure, as it would be
   * in a cluster).
   */
  static Map<String, JsonNode> objects(String yaml) throws IOException {
    Map<String, JsonNode> objects = new TreeMap<>();
    for (JsonNode doc :
        KubeYaml.reader().readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
      if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
        continue;
      }
      JsonNode metadata = doc.path("metadata");
      String key =
          doc.path("kind").asText()
              + "/"
              + (metadata.has("namespace") ? metadata.path("namespace").asText() + "/" : "")
              + metadata.path("name").asText();
      assertThat(objects.put(key, doc)).as("%s twice", key).isNull();
    }
    return objects;
  }
}
