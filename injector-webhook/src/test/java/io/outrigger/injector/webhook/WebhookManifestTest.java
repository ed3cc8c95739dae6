package io.outrigger.injector.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.injector.Golden;
import io.outrigger.injector.GoldenShapes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebhookManifestTest {

  private static final String CA =
      "-----BEGIN CERTIFICATE-----\nTUlJQ2VydGlmaWNhdGVGb3JUZXN0cw==\n-----END CERTIFICATE-----\n";

  private final WebhookManifest manifest = new WebhookManifest();

  @Test
  void rendersTheCommittedManifest() {
    String yaml =
        manifest.render(
            new WebhookManifest.Settings(CA, "outrigger", "outrigger-system", "default", 443));

    Golden.assertMatches("manifests/mutating-webhook.yaml", yaml);
  }

  @Test
  void onlyPodCreateFailClosedWithoutSideEffects() throws Exception {
    JsonNode config =
        GoldenShapes.YAML.readTree(
            manifest.render(new WebhookManifest.Settings(CA, "outrigger", "mesh", "canary", 443)));

    assertThat(config.path("kind").asText()).isEqualTo("MutatingWebhookConfiguration");
    assertThat(config.path("metadata").path("name").asText())
        .isEqualTo("outrigger-sidecar-injector-canary");
    assertThat(config.path("metadata").path("labels").path("outrigger.io/rev").asText())
        .isEqualTo("canary");
    // A revision other than "default" answers only its own name: no injection=enabled, no
    // inject=true.
    assertThat(names(config))
        .containsExactly(
            "rev.namespace.sidecar-injector.outrigger.io",
            "istio-rev.namespace.sidecar-injector.outrigger.io",
            "rev.object.sidecar-injector.outrigger.io",
            "istio-rev.object.sidecar-injector.outrigger.io");
    for (JsonNode hook : config.path("webhooks")) {
      assertThat(hook.path("rules").toString())
          .isEqualTo(
              "[{\"operations\":[\"CREATE\"],\"apiGroups\":[\"\"],"
                  + "\"apiVersions\":[\"v1\"],\"resources\":[\"pods\"]}]");
      assertThat(hook.path("failurePolicy").asText()).isEqualTo("Fail");
      assertThat(hook.path("sideEffects").asText()).isEqualTo("None");
      assertThat(hook.path("clientConfig").path("service").path("namespace").asText())
          .isEqualTo("mesh");
      assertThat(
              new String(
                  Base64.getDecoder().decode(hook.path("clientConfig").path("caBundle").asText())))
          .isEqualTo(CA);
      assertThat(expressions(hook.path("namespaceSelector")))
          .contains("kubernetes.io/metadata.name NotIn [kube-system, mesh]");
    }
    assertThat(expressions(config.path("webhooks").get(0).path("namespaceSelector")))
        .contains(
            "outrigger.io/rev In [canary]",
            "outrigger.io/injection DoesNotExist",
            "outrigger-injection DoesNotExist",
            "istio-injection DoesNotExist");
    assertThat(expressions(config.path("webhooks").get(3).path("objectSelector")))
        .containsExactly("istio.io/rev In [canary]", "outrigger.io/rev DoesNotExist");
  }

  @Test
  void theDefaultRevisionAlsoAnswersInjectionEnabledAndInjectTrue() throws Exception {
    JsonNode config =
        GoldenShapes.YAML.readTree(
            manifest.render(
                new WebhookManifest.Settings(CA, "outrigger", "outrigger-system", "default", 443)));

    assertThat(config.path("webhooks")).hasSize(8);
    assertThat(expressions(config.path("webhooks").get(1).path("namespaceSelector")))
        .contains("outrigger-injection In [enabled]", "outrigger.io/injection DoesNotExist");
    assertThat(expressions(config.path("webhooks").get(7).path("objectSelector")))
        .containsExactly(
            "sidecar.istio.io/inject In [true]",
            "outrigger.io/rev DoesNotExist",
            "istio.io/rev DoesNotExist");
  }

  @Test
  void aTagSelectsItsOwnNameAndReachesItsRevision() throws Exception {
    WebhookManifest.Settings revision =
        new WebhookManifest.Settings(
            CA,
            new WebhookManifest.UrlTarget("https://127.0.0.1:15017/"),
            "outrigger-system",
            "canary",
            Optional.empty());

    JsonNode config = GoldenShapes.YAML.readTree(manifest.render(revision.forTag("prod")));

    assertThat(config.path("metadata").path("name").asText())
        .isEqualTo("outrigger-revision-tag-prod");
    assertThat(config.path("metadata").path("labels").path("outrigger.io/tag").asText())
        .isEqualTo("prod");
    assertThat(config.path("metadata").path("labels").path("outrigger.io/rev").asText())
        .isEqualTo("canary");
    assertThat(expressions(config.path("webhooks").get(0).path("namespaceSelector")))
        .contains("outrigger.io/rev In [prod]");
    assertThat(config.path("webhooks").get(0).path("clientConfig").path("url").asText())
        .isEqualTo("https://127.0.0.1:15017/inject");
    // A tag named "default" takes over what the default revision answers.
    assertThat(
            GoldenShapes.YAML
                .readTree(manifest.render(revision.forTag("default")))
                .path("webhooks"))
        .hasSize(8);
  }

  @Test
  void theValidatingConfigurationSendsTheConfigKindsToValidate() throws Exception {
    String all =
        manifest.renderAll(
            new WebhookManifest.Settings(
                CA, "outrigger-canary", "outrigger-system", "canary", 443));
    JsonNode validating = GoldenShapes.YAML.readTree(all.substring(all.lastIndexOf("---\n") + 4));

    assertThat(validating.path("kind").asText()).isEqualTo("ValidatingWebhookConfiguration");
    assertThat(validating.path("metadata").path("name").asText())
        .isEqualTo("outrigger-validator-canary");
    JsonNode hook = validating.path("webhooks").get(0);
    assertThat(hook.path("clientConfig").path("service").path("path").asText())
        .isEqualTo("/validate");
    assertThat(hook.path("failurePolicy").asText()).isEqualTo("Fail");
    assertThat(hook.path("rules").toString())
        .contains(
            "virtualservices",
            "destinationrules",
            "peerauthentications",
            "authorizationpolicies",
            "requestauthentications",
            "\"UPDATE\"");
  }

  private static List<String> names(JsonNode config) {
    List<String> names = new ArrayList<>();
    config.path("webhooks").forEach(h -> names.add(h.path("name").asText()));
    return names;
  }

  @Test
  void aCaBundleWithoutCertificateIsRejected() {
    assertThatThrownBy(
            () ->
                manifest.render(
                    new WebhookManifest.Settings(
                        "not pem", "outrigger", "outrigger-system", "default", 443)))
        .hasMessageContaining("--ca-bundle holds no PEM certificate");
  }

  private static List<String> expressions(JsonNode selector) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : selector.path("matchExpressions")) {
      List<String> values = new ArrayList<>();
      e.path("values").forEach(v -> values.add(v.asText()));
      out.add(
          e.path("key").asText()
              + " "
              + e.path("operator").asText()
              + (values.isEmpty() ? "" : " " + values));
    }
    return out;
  }
}
