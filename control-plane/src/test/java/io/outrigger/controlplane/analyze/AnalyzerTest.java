package io.outrigger.controlplane.analyze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every finding code on real YAML files: a clean base (Services, Deployments, a DestinationRule and
 * a canary VirtualService) that has no findings, plus one file with one mistake per test.
 */
class AnalyzerTest {
  static final String BASE =
      """
      apiVersion: v1
      kind: Service
      metadata: {name: reviews, namespace: bookinfo}
      spec:
        clusterIP: 198.19.0.10
        selector: {app: reviews}
        ports: [{name: http, port: 9080}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: ratings, namespace: bookinfo}
      spec:
        clusterIP: 198.19.0.11
        selector: {app: ratings}
        ports: [{name: http, port: 9080}, {name: grpc, port: 9090}]
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: reviews-v1, namespace: bookinfo}
      spec:
        selector: {matchLabels: {app: reviews, version: v1}}
        template:
          metadata: {labels: {app: reviews, version: v1}}
          spec: {containers: [{name: app, image: x}]}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: reviews-v2, namespace: bookinfo}
      spec:
        selector: {matchLabels: {app: reviews, version: v2}}
        template:
          metadata: {labels: {app: reviews, version: v2}}
          spec: {containers: [{name: app, image: x}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: ratings, namespace: bookinfo, labels: {app: ratings}}
      spec: {containers: [{name: app, image: x}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: reviews, namespace: bookinfo}
      spec:
        host: reviews
        subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: reviews, namespace: bookinfo}
      spec:
        hosts: [reviews]
        http:
          - match: [{headers: {end-user: {exact: jason}}}]
            route: [{destination: {host: reviews, subset: v2}}]
          - route:
              - {destination: {host: reviews, subset: v1}, weight: 90}
              - {destination: {host: reviews, subset: v2}, weight: 10}
      """;

  @TempDir Path dir;

  private Analyzer.Report analyze(String extra) {
    write("base.yaml", BASE);
    if (extra != null) {
      write("extra.yaml", extra);
    }
    return Analyzer.analyze(List.of(dir));
  }

  private void write(String name, String text) {
    try {
      Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The only finding of the report, with its code and line. */
  private static Finding only(Analyzer.Report report, FindingCode code, String line) {
    assertThat(report.findings()).as("findings").extracting(Finding::line).containsExactly(line);
    Finding f = report.findings().getFirst();
    assertThat(f.code()).isEqualTo(code);
    assertThat(report.hasErrors()).isEqualTo(code.severity() == FindingCode.Severity.ERROR);
    return f;
  }

  @Test
  void theBaseHasNoFindings() {
    Analyzer.Report report = analyze(null);
    assertThat(report.findings()).isEmpty();
    assertThat(report.objects()).isEqualTo(7);
    assertThat(report.files()).isEqualTo(1);
  }

  @Test
  void codesAreDistinctAndStable() {
    Set<String> codes =
        Arrays.stream(FindingCode.values()).map(FindingCode::code).collect(Collectors.toSet());
    assertThat(codes).hasSize(FindingCode.values().length).hasSizeGreaterThanOrEqualTo(10);
    assertThat(FindingCode.UNKNOWN_HOST.code()).isEqualTo("OR0101");
  }

  @Test
  void or0001UnparseableYaml() {
    Finding f =
        only(
            analyze("kind: Service\nmetadata: [unclosed\n"),
            FindingCode.UNPARSEABLE,
            "Error [OR0001] File "
                + dir.resolve("extra.yaml")
                + ": invalid YAML in "
                + dir.resolve("extra.yaml")
                + ": while parsing a flow sequence (line 2, column 11): expected ',' or ']', but got <stream end> (line 3, column 1)");
    assertThat(f.source()).isEqualTo(dir.resolve("extra.yaml").toString());
  }

  @Test
  void or0001DocumentWithoutKind() {
    only(
        analyze("apiVersion: v1\nmetadata: {name: x}\n"),
        FindingCode.UNPARSEABLE,
        "Error [OR0001] File "
            + dir.resolve("extra.yaml")
            + ": a document has no apiVersion or kind");
  }

  @Test
  void or0002DuplicateObject() {
    Finding f =
        only(
            analyze(
                """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: bookinfo}
        spec: {host: reviews, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
        """),
            FindingCode.DUPLICATE,
            "Error [OR0002] DestinationRule bookinfo/reviews: defined twice (in "
                + dir.resolve("base.yaml")
                + " and "
                + dir.resolve("extra.yaml")
                + "), the first one is used");
    assertThat(f.source()).isEqualTo(dir.resolve("base.yaml").toString());
  }

  @Test
  void or0003InvalidObject() {
    only(
        analyze(
            """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: db, namespace: bookinfo}
        spec: {address: db.example, labels: {app: db}}
        """),
        FindingCode.INVALID,
        "Error [OR0003] WorkloadEntry bookinfo/db: spec.address \"db.example\" is not an IP address (host names are not resolved)");
  }

  @Test
  void or0101UnknownHost() {
    only(
        analyze(virtualService("ratings-vs", "ratings", "route: [{destination: {host: details}}]")),
        FindingCode.UNKNOWN_HOST,
        "Error [OR0101] VirtualService bookinfo/ratings-vs: http[0].route[0]: host \"details\" "
            + "is not a service of the mesh");
  }

  @Test
  void or0102UnknownSubset() {
    only(
        analyze(
            virtualService(
                "ratings-vs",
                "reviews-alias",
                "route: [{destination: {host: reviews, subset: v3}}]")),
        FindingCode.UNKNOWN_SUBSET,
        "Error [OR0102] VirtualService bookinfo/ratings-vs: http[0].route[0]: unknown subset \"v3\" of host reviews");
  }

  @Test
  void or0103PortTheServiceLacks() {
    only(
        analyze(
            virtualService(
                "ratings-vs",
                "ratings",
                "route: [{destination: {host: ratings, port: {number: 8080}}}]")),
        FindingCode.UNKNOWN_PORT,
        "Error [OR0103] VirtualService bookinfo/ratings-vs: http[0].route[0]: host ratings has no port 8080");
  }

  @Test
  void or0103PortMissingForAServiceWithTwo() {
    only(
        analyze(virtualService("ratings-vs", "ratings", "route: [{destination: {host: ratings}}]")),
        FindingCode.UNKNOWN_PORT,
        "Error [OR0103] VirtualService bookinfo/ratings-vs: http[0].route[0]: host ratings "
            + "has 2 ports, destination.port.number is required");
  }

  @Test
  void or0104WeightsNotSummingTo100() {
    only(
        analyze(
            virtualService(
                "ratings-vs",
                "ratings",
                """
        route:
              - {destination: {host: ratings, port: {number: 9080}}, weight: 60}
              - {destination: {host: ratings, port: {number: 9090}}, weight: 30}""")),
        FindingCode.WEIGHTS,
        "Error [OR0104] VirtualService bookinfo/ratings-vs: http[0]: route weights sum to 90, must be 100");
  }

  @Test
  void or0105UnsupportedFeature() {
    only(
        analyze(
            virtualService(
                "ratings-vs",
                "ratings",
                "{fault: {abort: {grpcStatus: UNAVAILABLE}}, "
                    + "route: [{destination: {host: ratings, port: {number: 9080}}}]}")),
        FindingCode.UNSUPPORTED,
        "Error [OR0105] VirtualService bookinfo/ratings-vs: http[0].fault.abort: only httpStatus is supported");
  }

  @Test
  void or0106TwoVirtualServicesForOneHost() {
    only(
        analyze(
            virtualService(
                "reviews-too", "reviews", "route: [{destination: {host: reviews, subset: v1}}]")),
        FindingCode.CONFLICTING_VIRTUAL_SERVICES,
        "Warning [OR0106] VirtualService bookinfo/reviews-too: host "
            + "reviews.bookinfo.svc.cluster.local is also routed by VirtualService bookinfo/reviews, which applies; "
            + "this one is ignored for it");
  }

  @Test
  void or0107DestinationRuleForAnUnknownHost() {
    only(
        analyze(
            """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: details, namespace: bookinfo}
        spec: {host: details}
        """),
        FindingCode.DESTINATION_RULE_HOST_UNKNOWN,
        "Warning [OR0107] DestinationRule bookinfo/details: host details.bookinfo.svc.cluster.local is not a Service "
            + "of the input");
  }

  @Test
  void or0108TwoDestinationRulesForOneHost() {
    only(
        analyze(
            """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews-tls, namespace: bookinfo}
        spec: {host: reviews.bookinfo.svc.cluster.local, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}
        """),
        FindingCode.CONFLICTING_DESTINATION_RULES,
        "Warning [OR0108] DestinationRule bookinfo/reviews-tls: host "
            + "reviews.bookinfo.svc.cluster.local also has DestinationRule bookinfo/reviews, which applies; this one is "
            + "ignored");
  }

  @Test
  void or0201ServiceSelectingNothing() {
    only(
        analyze(
            """
        apiVersion: v1
        kind: Service
        metadata: {name: details, namespace: bookinfo}
        spec: {selector: {app: details}, ports: [{port: 9080}]}
        """),
        FindingCode.SERVICE_SELECTS_NOTHING,
        "Warning [OR0201] Service bookinfo/details: selector app=details "
            + "matches no Deployment, Pod or WorkloadEntry in namespace bookinfo");
  }

  @Test
  void or0202SubsetSelectingNothing() {
    String base =
        BASE.replace(
            "{name: v2, labels: {version: v2}}]",
            "{name: v2, labels: {version: v2}}, " + "{name: v3, labels: {version: v3}}]");
    write("base.yaml", base);
    Analyzer.Report report = Analyzer.analyze(List.of(dir.resolve("base.yaml")));
    only(
        report,
        FindingCode.SUBSET_SELECTS_NOTHING,
        "Warning [OR0202] DestinationRule bookinfo/reviews: subset v3 "
            + "(version=v3) matches none of the 2 workloads of reviews.bookinfo.svc.cluster.local");
  }

  @Test
  void or0203PolicySelectingNothing() {
    only(
        analyze(
            """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: strict-db, namespace: bookinfo}
        spec: {selector: {matchLabels: {app: db}}, mtls: {mode: STRICT}}
        """),
        FindingCode.POLICY_SELECTS_NOTHING,
        "Warning [OR0203] PeerAuthentication bookinfo/strict-db: selector app=db matches no workload in namespace bookinfo");
  }

  @Test
  void or0105FieldsTheControlPlaneDoesNotImplementAreRefusedNotIgnored() {
    Analyzer.Report report =
        analyze(
            """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings-vs, namespace: bookinfo}
        spec:
          hosts: [ratings]
          http:
            - retries: {attempts: 2, retryRemoteLocalities: true}
              route: [{destination: {host: ratings, port: {number: 9080}}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: ratings, namespace: bookinfo}
        spec:
          host: ratings
          workloadSelector: {matchLabels: {app: ratings}}
          trafficPolicy:
            tls: {mode: ISTIO_MUTUAL}
        """);
    assertThat(report.findings())
        .extracting(Finding::line)
        .containsExactlyInAnyOrder(
            "Error [OR0105] DestinationRule bookinfo/ratings: spec.workloadSelector is not implemented by Outrigger: refused "
                + "rather than silently ignored",
            "Error [OR0105] VirtualService bookinfo/ratings-vs: spec.http[0].retries.retryRemoteLocalities is"
                + " not implemented by Outrigger: refused rather than silently ignored");
    assertThat(report.hasErrors()).isTrue();
  }

  @Test
  void or0302IstioKindsTheControlPlaneDoesNotImplement() {
    only(
        analyze(
            """
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {name: mesh-default, namespace: bookinfo}
        spec: {}
        """),
        FindingCode.KIND_IGNORED,
        "Warning [OR0302] Telemetry bookinfo/mesh-default: kind "
            + "Telemetry (telemetry.istio.io/v1) is not implemented by Outrigger: ignored");
  }

  @Test
  void or0105AuthorizationPolicyFieldTheSidecarWouldNotEnforce() {
    only(
        analyze(
            """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: jwt-only, namespace: bookinfo}
        spec:
          rules: [{from: [{source: {remoteIpBlocks: [198.18.0.1]}}]}]
        """),
        FindingCode.UNSUPPORTED,
        "Error [OR0105] AuthorizationPolicy bookinfo/jwt-only: "
            + "spec.rules[0].from[0].source.remoteIpBlocks is not supported by Outrigger yet: sidecars trust no X-Forwarded-For; use ipBlocks");
  }

  @Test
  void or0303GatewayOnlyVirtualService() {
    only(
        analyze(
            """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ingress, namespace: bookinfo}
        spec:
          hosts: [bookinfo.example]
          gateways: [bookinfo-gateway]
          http: [{route: [{destination: {host: reviews, subset: v1}}]}]
        """),
        FindingCode.GATEWAY_ONLY,
        "Info [OR0303] VirtualService bookinfo/ingress: bound to gateways "
            + "[bookinfo-gateway] without \"mesh\": sidecars do not use it");
  }

  @Test
  void aMissingPathIsNamed() {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> Analyzer.analyze(List.of(missing)))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("manifest " + missing + ": cannot read");
  }

  @Test
  void aFileTooLargeIsRefused() throws IOException {
    Path big = dir.resolve("big.yaml");
    Files.write(big, new byte[(int) Analyzer.MAX_FILE_BYTES + 1]);
    assertThatThrownBy(() -> Analyzer.analyze(List.of(big)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("manifest " + big + ": larger than " + Analyzer.MAX_FILE_BYTES + " bytes");
  }

  private static String virtualService(String name, String host, String httpRoute) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, namespace: bookinfo}
        spec:
          hosts: [%s]
          http:
            - %s
        """
        .formatted(name, host, httpRoute);
  }
}
