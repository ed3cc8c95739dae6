package io.outrigger.controlplane.analyze;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.registry.ConfigValidation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ServiceEntry and Sidecar objects the control plane refuses are reported, with the field and the
 * reason, by {@code outrigger analyze} and by the validating webhook alike; valid ones pass both.
 */
class ScopingKindsAnalyzeTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final String SIDECAR_WITHOUT_CAPTURE =
      """
      apiVersion: networking.istio.io/v1
      kind: Sidecar
      metadata: {name: without-capture, namespace: bookinfo}
      spec:
        egress: [{hosts: ["./*"], captureMode: NONE}]
      """;
  private static final String ENTRY_WITH_SANS =
      """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: sans, namespace: bookinfo}
      spec:
        hosts: [api.example.com]
        resolution: DNS
        ports: [{number: 443, name: https, protocol: HTTPS}]
        subjectAltNames: ["spiffe://example.com/api"]
      """;
  private static final String STATIC_WITHOUT_ENDPOINTS =
      """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: empty-static, namespace: bookinfo}
      spec:
        hosts: [db.example.com]
        resolution: STATIC
        ports: [{number: 5432, name: tcp-pg}]
      """;
  private static final String VALID =
      """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: httpbin, namespace: bookinfo}
      spec:
        hosts: [httpbin.example.com]
        exportTo: ["."]
        resolution: DNS
        ports: [{number: 80, name: http, protocol: HTTP}]
      ---
      apiVersion: networking.istio.io/v1
      kind: Sidecar
      metadata: {name: default, namespace: bookinfo}
      spec:
        egress: [{hosts: ["./*", "istio-system/*"]}]
        outboundTrafficPolicy: {mode: REGISTRY_ONLY}
      """;

  @TempDir Path dir;

  @Test
  void analyzeReportsEachRefusedObjectWithItsFieldAndReason() throws IOException {
    Files.writeString(
        dir.resolve("scoping.yaml"),
        String.join("---\n", SIDECAR_WITHOUT_CAPTURE, ENTRY_WITH_SANS, STATIC_WITHOUT_ENDPOINTS));

    Analyzer.Report report = Analyzer.analyze(List.of(dir));

    assertThat(report.findings())
        .extracting(Finding::line)
        .containsExactlyInAnyOrder(
            "Error [OR0105] Sidecar bookinfo/without-capture: spec.egress[0].captureMode NONE is"
                + " not implemented by Outrigger on egress listeners: its sidecars capture every"
                + " outbound connection with iptables; use DEFAULT or IPTABLES",
            "Error [OR0105] ServiceEntry bookinfo/sans: spec.subjectAltNames is not implemented by"
                + " Outrigger: refused rather than silently ignored",
            "Error [OR0003] ServiceEntry bookinfo/empty-static: resolution STATIC needs"
                + " spec.endpoints or spec.workloadSelector");
    assertThat(report.hasErrors()).isTrue();
  }

  @Test
  void analyzeFindsNothingWrongWithValidOnes() throws IOException {
    Files.writeString(dir.resolve("scoping.yaml"), VALID);

    assertThat(Analyzer.analyze(List.of(dir)).findings()).isEmpty();
  }

  @Test
  void theWebhookRefusesWithTheSameReasons() throws IOException {
    MeshConfig none = MeshConfig.empty();

    assertThat(ConfigValidation.refuse(YAML.readTree(SIDECAR_WITHOUT_CAPTURE), "bookinfo", none))
        .hasValueSatisfying(
            r -> assertThat(r).startsWith("spec.egress[0].captureMode NONE is not implemented"));
    assertThat(ConfigValidation.refuse(YAML.readTree(ENTRY_WITH_SANS), "bookinfo", none))
        .contains(
            "spec.subjectAltNames is not implemented by Outrigger: refused rather than silently"
                + " ignored");
    assertThat(ConfigValidation.refuse(YAML.readTree(STATIC_WITHOUT_ENDPOINTS), "bookinfo", none))
        .contains("resolution STATIC needs spec.endpoints or spec.workloadSelector");
    for (String document : VALID.split("(?m)^---$")) {
      JsonNode object = YAML.readTree(document);
      assertThat(ConfigValidation.refuse(object, "bookinfo", none)).as("%s", object).isEmpty();
    }
  }
}
