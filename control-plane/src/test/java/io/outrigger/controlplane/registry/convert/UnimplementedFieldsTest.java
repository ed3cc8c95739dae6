package io.outrigger.controlplane.registry.convert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.ConfigValidation;
import io.outrigger.controlplane.registry.file.FileRegistry;
import io.outrigger.controlplane.testing.MeshFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A field the control plane does not act on refuses the whole object, naming the object and the
 * field, in the registry (logs, syncz), and in the admission webhook's check; the last good version
 * stays.
 */
class UnimplementedFieldsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  @TempDir Path dir;
  private FileRegistry registry;

  @BeforeEach
  void loadBookinfo() {
    MeshFixtures.copyBookinfo(dir);
    registry = new FileRegistry(dir);
    registry.reload();
    assertThat(registry.current().errors()).isEmpty();
  }

  @Test
  void aVirtualServiceWithAnUnimplementedFieldIsRefusedAndItsLastGoodVersionStays()
      throws IOException {
    MeshFixtures.replace(
        dir,
        "istio.yaml",
        "  - name: canary\n",
        "  - name: canary\n    retries: {attempts: 2, retryRemoteLocalities: true}\n");
    MeshFixtures.replace(dir, "istio.yaml", "weight: 90", "weight: 80");
    MeshFixtures.replace(dir, "istio.yaml", "weight: 10", "weight: 20");

    registry.reload();
    MeshConfig mesh = registry.current();

    assertThat(mesh.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.message())
                  .isEqualTo(
                      "VirtualService default/reviews: spec.http[1].retries.retryRemoteLocalities is not "
                          + "implemented by Outrigger: refused rather than silently ignored");
              assertThat(e.problem()).isEqualTo(ConfigError.Problem.UNSUPPORTED);
            });
    assertThat(
            mesh.virtualService(REVIEWS)
                .orElseThrow()
                .http()
                .get(1)
                .destinations()
                .getFirst()
                .weight())
        .isEqualTo(90);
  }

  @Test
  void everyUnimplementedFieldOfADestinationRuleIsNamed() throws IOException {
    MeshFixtures.replace(
        dir,
        "istio.yaml",
        "  host: reviews\n",
        "  host: reviews\n  workloadSelector: {matchLabels: {app: a}}\n  trafficPolicy: {tunnel: {protocol: CONNECT, targetHost: a, targetPort: 80}}\n");

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "DestinationRule default/reviews: spec.trafficPolicy.tunnel, spec.workloadSelector are not implemented by "
                + "Outrigger: refused rather than silently ignored");
    assertThat(registry.current().destinationRule(REVIEWS).orElseThrow().subsets()).hasSize(3);
  }

  @Test
  void aFieldTheIstioApiDoesNotKnowIsRefusedToo() throws IOException {
    MeshFixtures.replace(
        dir,
        "istio.yaml",
        "    timeout: 2.5s\n",
        "    timeout: 2.5s\n    retires: {attempts: 3}\n");

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "VirtualService default/ratings: spec.http[1].retires is not implemented by Outrigger: refused "
                + "rather than silently ignored");
  }

  @Test
  void aPeerAuthenticationReadsOnlyItsImplementedFields() throws IOException {
    MeshFixtures.replace(
        dir,
        "istio.yaml",
        "  mtls: {mode: PERMISSIVE}\n",
        "  mtls: {mode: PERMISSIVE}\n  selector: {matchLabels: {app: ratings}, extra: x}\n");

    registry.reload();

    assertThat(registry.current().errors())
        .extracting(ConfigError::message)
        .containsExactly(
            "PeerAuthentication outrigger-system/default: spec.selector.extra is not implemented by Outrigger: "
                + "refused rather than silently ignored");
  }

  @Test
  void theAdmissionWebhookRefusesWithTheSameReason() throws IOException {
    JsonNode object =
        YAML.readTree(
            """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews}}]
                    retries: {attempts: 2, retryRemoteLocalities: true}
                """);

    assertThat(ConfigValidation.refuse(object, "default", registry.current()))
        .contains(
            "spec.http[0].retries.retryRemoteLocalities is not implemented by Outrigger: refused"
                + " rather than silently ignored");
  }

  @Test
  void implementedFieldsPassTheWebhook() throws IOException {
    String bookinfo = Files.readString(dir.resolve("istio.yaml"));
    for (String document : bookinfo.split("(?m)^---$")) {
      JsonNode object = YAML.readTree(document);
      assertThat(ConfigValidation.refuse(object, "default", registry.current()))
          .as(document)
          .isEmpty();
    }
  }
}
