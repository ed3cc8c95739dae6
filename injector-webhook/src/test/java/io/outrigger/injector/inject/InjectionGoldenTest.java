package io.outrigger.injector.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;
import io.outrigger.injector.Golden;
import io.outrigger.injector.GoldenShapes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every golden pod shape: the injected pod and patch match the golden file, the patch applied by an
 * independent JSON Patch implementation (zjsonpatch) to the original gives exactly the injected
 * pod, and injecting the result again changes nothing.
 */
class InjectionGoldenTest {

  private final SidecarInjector injector = GoldenShapes.injector();

  static List<String> shapes() {
    return GoldenShapes.names();
  }

  @Test
  void atLeastFifteenShapesAreCovered() {
    assertThat(shapes()).hasSizeGreaterThanOrEqualTo(15);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void matchesGoldenFile(String shape) {
    InjectionResult result = injector.inject(GoldenShapes.request(shape));

    Golden.assertMatches("pods/" + shape + ".out.yaml", GoldenShapes.yaml(summary(result)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void patchAppliedIndependentlyYieldsTheInjectedPod(String shape) {
    InjectionRequest request = GoldenShapes.request(shape);
    JsonNode original = request.pod().deepCopy();

    InjectionResult result = injector.inject(request);
    JsonNode patched = JsonPatch.apply(result.patch(), request.pod());

    assertThat(patched).isEqualTo(result.pod());
    assertThat(request.pod()).as("the injector never modifies its input").isEqualTo(original);
    if (!result.injected()) {
      assertThat(result.patch()).isEmpty();
      assertThat(result.pod()).isEqualTo(original);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void injectingTwiceChangesNothing(String shape) {
    InjectionRequest request = GoldenShapes.request(shape);
    InjectionResult first = injector.inject(request);

    InjectionResult second =
        injector.inject(
            new InjectionRequest(
                first.pod(),
                request.namespace(),
                request.workloadName(),
                request.namespaceLabels()));

    assertThat(second.injected()).isFalse();
    assertThat(second.patch()).isEmpty();
    assertThat(second.pod()).isEqualTo(first.pod());
  }

  /**
   * The golden view of a result. The bootstrap JSON in the sidecar's arguments is shown once, as
   * YAML under {@code bootstrap}, and replaced by a marker in the pod and the patch.
   */
  private static ObjectNode summary(InjectionResult result) {
    ObjectNode summary = JsonNodeFactory.instance.objectNode();
    summary.put("injected", result.injected());
    if (!result.injected()) {
      summary.put("skip", result.decision().skip().label());
    }
    summary.put("reason", result.decision().reason());
    summary.set(
        "warnings",
        JsonNodeFactory.instance
            .arrayNode()
            .addAll(result.warnings().stream().map(JsonNodeFactory.instance::textNode).toList()));
    String bootstrap = SidecarArgs.bootstrapJson(result.pod()).orElse(null);
    summary.set("patch", SidecarArgs.withBootstrapMarker(result.patch(), bootstrap));
    if (result.injected()) {
      summary.set("pod", SidecarArgs.withBootstrapMarker(result.pod(), bootstrap));
      summary.set("bootstrap", SidecarArgs.parse(bootstrap));
    }
    return summary;
  }
}
