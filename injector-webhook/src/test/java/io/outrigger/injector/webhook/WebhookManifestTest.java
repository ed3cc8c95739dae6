package io.outrigger.injector.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.injector.Golden;
import io.outrigger.injector.GoldenShapes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookManifestTest {

  private static final String CA =
      "-----BEGIN CERTIFICATE-----\nTUlJQ2VydGlmaWNhdGVGb3JUZXN0cw==\n-----END CERTIFICATE-----\n";

  private final WebhookManifest manifest = new WebhookManifest();

  @Test
  void rendersTheCommittedManifest() {
    String yaml = manifest.render(
        new WebhookManifest.Settings(CA, "outrigger", "outrigger-system", "default", 443));

    Golden.assertMatches("manifests/mutating-webhook.yaml", yaml);
  }

  @Test
  void onlyPodCreateFailClosedWithoutSideEffects() throws Exception {
    JsonNode config = GoldenShapes.YAML.readTree(manifest.render(
        new WebhookManifest.Settings(CA, "outrigger", "mesh", "canary", 443)));

    assertThat(config.path("kind").asText()).isEqualTo("MutatingWebhookConfiguration");
    assertThat(config.path("metadata").path("name").asText())
        .isEqualTo("outrigger-sidecar-injector-canary");
    assertThat(config.path("webhooks")).hasSize(7);
    for (JsonNode hook : config.path("webhooks")) {
      assertThat(hook.path("rules").toString())
          .isEqualTo("[{\"operations\":[\"CREATE\"],\"apiGroups\":[\"\"],"
              + "\"apiVersions\":[\"v1\"],\"resources\":[\"pods\"]}]");
      assertThat(hook.path("failurePolicy").asText()).isEqualTo("Fail");
      assertThat(hook.path("sideEffects").asText()).isEqualTo("None");
      assertThat(hook.path("clientConfig").path("service").path("namespace").asText()).isEqualTo("mesh");
      assertThat(new String(Base64.getDecoder().decode(hook.path("clientConfig").path("caBundle").asText())))
          .isEqualTo(CA);
      assertThat(expressions(hook.path("namespaceSelector")))
          .contains("kubernetes.io/metadata.name NotIn [kube-system, mesh]");
    }
    assertThat(expressions(config.path("webhooks").get(2).path("namespaceSelector")))
        .contains("outrigger.io/rev In [canary]", "outrigger.io/injection DoesNotExist",
            "istio-injection DoesNotExist");
    assertThat(expressions(config.path("webhooks").get(4).path("objectSelector")))
        .containsExactly("sidecar.istio.io/inject In [true]");
    assertThat(expressions(config.path("webhooks").get(6).path("objectSelector")))
        .containsExactly("istio.io/rev In [canary]", "sidecar.istio.io/inject DoesNotExist",
            "outrigger.io/rev DoesNotExist");
  }

  @Test
  void aCaBundleWithoutCertificateIsRejected() {
    assertThatThrownBy(() -> manifest.render(
            new WebhookManifest.Settings("not pem", "outrigger", "outrigger-system", "default", 443)))
        .hasMessageContaining("--ca-bundle holds no PEM certificate");
  }

  private static List<String> expressions(JsonNode selector) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : selector.path("matchExpressions")) {
      List<String> values = new ArrayList<>();
      e.path("values").forEach(v -> values.add(v.asText()));
      out.add(e.path("key").asText() + " " + e.path("operator").asText()
          + (values.isEmpty() ? "" : " " + values));
    }
    return out;
  }
}
