package io.outrigger.controlplane.registry.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.MeshAssembler;
import io.outrigger.testsupport.FuzzRuns;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes registry files (every supported kind: Namespace, Service, Pod, EndpointSlice,
 * WorkloadEntry, DestinationRule, PeerAuthentication, VirtualService; one seed each) through what
 * the file registry does with a file: YamlFiles reads it, the MeshAssembler turns its objects into
 * the mesh. A file that is not YAML is the documented InvalidYamlException; an object that is wrong
 * is a ConfigError naming it and a reason a person can act on. A Java runtime exception's message
 * as the reason (a NullPointerException or a cast inside a converter, which the assembler would
 * report as the object's error) is a finding too.
 */
class RegistryYamlFuzzTest {
  private static final FuzzRuns RUNS = new FuzzRuns("registry-yaml", InvalidYamlException.class);

  /**
   * A JDK runtime exception's own message as the whole reason (a value of the input can not start
   * it).
   */
  private static final Pattern JAVA_FAILURE =
      Pattern.compile(
          "^(invalid \\w+ in [^:]+: )?"
              + "(Cannot (invoke|read|load|store) |class \\S+ cannot be cast|Index -?\\d+ out of bounds|null$)");

  @FuzzTest(maxDuration = "5s")
  @DictionaryEntries({
    "apiVersion: ",
    "kind: ",
    "metadata:",
    "  name: ",
    "  namespace: ",
    "spec:",
    "---",
    "networking.istio.io/v1",
    "security.istio.io/v1",
    "discovery.k8s.io/v1",
    "VirtualService",
    "DestinationRule",
    "PeerAuthentication",
    "WorkloadEntry",
    "EndpointSlice",
    "Service",
    "Pod",
    "Namespace",
    "hosts:",
    "http:",
    "route:",
    "destination:",
    "host: ",
    "subset: ",
    "weight: ",
    "subsets:",
    "labels:",
    "ports:",
    "port: ",
    "mtls:",
    "mode: STRICT",
    "selector:",
    "endpoints:",
    "addresses:",
    "portLevelMtls:",
    "trafficPolicy:"
  })
  void everyFileIsReadIntoObjectsAndNamedErrors(byte[] input) throws Exception {
    RUNS.run(
        () -> {
          YamlFiles.Documents documents =
              YamlFiles.read(new String(input, StandardCharsets.UTF_8), "fuzz.yaml");
          MeshConfig mesh =
              new MeshAssembler(false).assemble(documents.objects(), documents.errors());
          for (ConfigError error : mesh.errors()) {
            assertThat(error.reason()).as("reason of %s", error).isNotBlank();
            assertThat(JAVA_FAILURE.matcher(error.reason()).find())
                .as("reason of %s", error)
                .isFalse();
          }
        });
  }

  /**
   * Found by this target: a header match given as a string gave "class ...TextNode cannot be cast
   * ...".
   */
  @Test
  void aValueOfTheWrongTypeInsideAModelIsNamedByItsPath() throws Exception {
    YamlFiles.Documents documents =
        YamlFiles.read(
            """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: shop
        spec:
          hosts: [reviews]
          http:
          - match:
            - headers:
                end-user:
                  exact: jason
                subset: v3
            route:
            - destination:
                host: reviews
        """,
            "vs.yaml");
    assertThat(documents.objects()).isEmpty();
    assertThat(documents.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.name()).isEqualTo("reviews");
              assertThat(e.reason())
                  .isEqualTo(
                      "invalid VirtualService in vs.yaml: spec.http[0].match[0].headers.subset "
                          + "has the wrong type (ClassCastException)");
            });
  }

  /** Found by this target: a label without a value gave a ConfigError whose reason was null. */
  @Test
  void aLabelWithoutAValueIsRefusedByName() throws Exception {
    YamlFiles.Documents documents =
        YamlFiles.read(
            """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
          labels:
            istio-injection: NULL
        """,
            "ns.yaml");
    MeshConfig mesh = new MeshAssembler(false).assemble(documents.objects(), documents.errors());
    assertThat(mesh.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.name()).isEqualTo("shop");
              assertThat(e.reason()).isEqualTo("metadata.labels.istio-injection has no value");
            });
  }

  @Test
  void aNullEntryInAListOfNamesIsRefusedByItsIndex() throws Exception {
    assertThat(virtualServiceErrors("hosts: [null]")).containsExactly("spec.hosts[0] is empty");
    assertThat(virtualServiceErrors("hosts: [reviews, '']"))
        .containsExactly("spec.hosts[1] is empty");
    // null entries elsewhere: whatever the reason, it is never a NullPointerException's text
    for (String list : List.of("exportTo: [null]", "gateways: [null, mesh]")) {
      assertThat(virtualServiceErrors("hosts: [reviews]\n  " + list))
          .as(list)
          .allSatisfy(r -> assertThat(r).doesNotContain("Cannot invoke", "NullPointer", "null"));
    }
  }

  private static List<String> virtualServiceErrors(String listsYaml) throws Exception {
    YamlFiles.Documents documents =
        YamlFiles.read(
            """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: shop}
        spec:
          %s
          http:
          - route:
            - destination: {host: reviews}
        """
                .formatted(listsYaml),
            "vs.yaml");
    MeshConfig mesh = new MeshAssembler(false).assemble(documents.objects(), documents.errors());
    return mesh.errors().stream()
        .filter(e -> e.name().equals("reviews"))
        .map(e -> e.reason())
        .filter(r -> !r.contains("is not a service of the mesh"))
        .toList();
  }

  @AfterAll
  static void finish() {
    RUNS.finish();
  }
}
