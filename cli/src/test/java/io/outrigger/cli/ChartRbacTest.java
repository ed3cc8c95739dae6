package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.outrigger.cli.manifest.ChartValues;
import io.outrigger.cli.manifest.MeshManifest;
import io.outrigger.hostnet.RepoRoot;
import io.outrigger.injector.yaml.KubeYaml;
import io.outrigger.testsupport.KubeTestCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The chart grants the control plane every permission the tier-4 tests prove it needs (the rules
 * they give its service account, {@code KubeTestCluster.CONTROL_PLANE_RULES}, and the registry's
 * role, control-plane/src/test/resources/kube/registry-clusterrole.yaml), so a permission added
 * there and forgotten in the chart fails here, before a cluster install does. The Istio groups' "*"
 * is the kinds the chart has CRDs for.
 */
class ChartRbacTest {

  private static final Set<String> ISTIO_KINDS =
      Set.of(
          "virtualservices",
          "destinationrules",
          "workloadentries",
          "serviceentries",
          "sidecars",
          "peerauthentications");

  @Test
  void theChartGrantsWhatTheTier4TestsGrantTheControlPlane() throws IOException {
    Set<String> granted = new TreeSet<>();
    for (ObjectNode object :
        new MeshManifest(ChartValues.defaults(), "outrigger-system").objects()) {
      if (Set.of("ClusterRole", "Role").contains(object.path("kind").asText())) {
        object.path("rules").forEach(rule -> granted.addAll(triples(rule)));
      }
    }
    Set<String> needed = new TreeSet<>();
    for (PolicyRule rule : KubeTestCluster.CONTROL_PLANE_RULES) {
      needed.addAll(triples(KubeYaml.reader().valueToTree(rule)));
    }
    Path registryRole =
        RepoRoot.find()
            .orElseThrow()
            .resolve("control-plane/src/test/resources/kube/registry-clusterrole.yaml");
    KubeYaml.reader()
        .readTree(registryRole.toFile())
        .path("rules")
        .forEach(rule -> needed.addAll(triples(rule)));

    assertThat(needed).hasSizeGreaterThan(30);
    assertThat(granted).containsAll(needed);
  }

  /**
   * group/resource/verb of every combination a rule grants; "*" resources of the Istio groups
   * expanded.
   */
  private static List<String> triples(JsonNode rule) {
    List<String> out = new ArrayList<>();
    for (JsonNode group : rule.path("apiGroups")) {
      for (JsonNode resource : rule.path("resources")) {
        List<String> resources =
            resource.asText().equals("*") && group.asText().endsWith("istio.io")
                ? ISTIO_KINDS.stream()
                    .filter(
                        k ->
                            group.asText().startsWith("security")
                                == k.equals("peerauthentications"))
                    .toList()
                : List.of(resource.asText());
        for (String r : resources) {
          rule.path("verbs")
              .forEach(verb -> out.add(group.asText() + "/" + r + "/" + verb.asText()));
        }
      }
    }
    return out;
  }
}
