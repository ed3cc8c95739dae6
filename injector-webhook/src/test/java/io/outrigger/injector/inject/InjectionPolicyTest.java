package io.outrigger.injector.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.injector.GoldenShapes;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Namespace labels, when a caller knows them, decide as Istio's selectors would: a revision (or a
 * tag pointing at it) injects only the namespaces that select it; injection=enabled selects
 * "default".
 */
class InjectionPolicyTest {

  private final InjectionPolicy policy =
      new InjectionPolicy(InjectorConfig.defaults().withRevision("blue"));

  @ParameterizedTest(name = "namespace {0}, pod {1}, tags {2} -> {3}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "outrigger.io/injection=enabled | -                             | -       | revision_mismatch",
        "istio-injection=enabled        | -                             | -       | revision_mismatch",
        "istio-injection=enabled        | -                             | default | inject",
        "outrigger-injection=enabled    | -                             | default | inject",
        "outrigger-injection=disabled   | -                             | default | namespace_not_enabled",
        "istio-injection=disabled       | -                             | -       | namespace_not_enabled",
        "outrigger.io/rev=blue          | -                             | -       | inject",
        "istio.io/rev=blue              | -                             | -       | inject",
        "istio.io/rev=green             | -                             | -       | revision_mismatch",
        "outrigger.io/rev=prod          | -                             | prod    | inject",
        "outrigger.io/rev=prod          | -                             | canary  | revision_mismatch",
        "-                              | -                             | -       | namespace_not_enabled",
        "-                              | sidecar.istio.io/inject=true  | -       | inject",
        "istio.io/rev=green             | sidecar.istio.io/inject=true  | -       | revision_mismatch",
        "istio-injection=enabled        | sidecar.istio.io/inject=false | default | opted_out",
        "istio-injection=enabled        | istio.io/rev=green            | -       | revision_mismatch",
        "istio.io/rev=green             | istio.io/rev=blue             | -       | inject",
        "-                              | istio.io/rev=blue             | -       | inject",
        "-                              | outrigger.io/rev=blue         | -       | inject",
        "-                              | outrigger.io/rev=prod         | prod    | inject",
      })
  void namespaceAndPodLabels(String namespaceLabel, String podLabel, String tag, String expected) {
    ObjectNode pod = GoldenShapes.object("plain-pod");
    if (podLabel != null) {
      String[] kv = podLabel.split("=");
      ((ObjectNode) pod.path("metadata").path("labels")).put(kv[0], kv[1]);
    }
    Map<String, String> labels =
        namespaceLabel == null
            ? Map.of()
            : Map.of(namespaceLabel.split("=")[0], namespaceLabel.split("=")[1]);

    Decision decision =
        policy.decide(
            new InjectionRequest(
                pod, "bookinfo", null, Optional.of(labels), tag == null ? Set.of() : Set.of(tag)));

    assertThat(decision.injects() ? "inject" : decision.skip().label())
        .as(decision.reason())
        .isEqualTo(expected);
  }
}
