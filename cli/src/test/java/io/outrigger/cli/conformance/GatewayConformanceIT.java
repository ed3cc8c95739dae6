package io.outrigger.cli.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outrigger.hostnet.RepoRoot;
import io.outrigger.testsupport.MeshInstallation;
import io.outrigger.testsupport.NodeImages;
import io.outrigger.testsupport.Prerequisites;
import io.outrigger.testsupport.Prerequisites.GatewayConformanceBinaries;
import io.outrigger.testsupport.SingleNodeCluster;
import io.outrigger.testsupport.SingleNodeClusterExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test tier 5: the Gateway API project's own mesh conformance suite ({@code
 * sigs.k8s.io/gateway-api/conformance} v1.6.3, profile MESH-HTTP) run against the mesh installed
 * from its chart, exactly as an implementation runs it for its published report. The suite is the
 * conformance package's test binary built by {@code scripts/bootstrap.sh --tests}; its echo pods
 * run the {@link NodeImages#ECHO_ADVANCED} image built from Istio's echo app (nothing is pulled);
 * its namespaces get {@code outrigger.io/injection=enabled}, so every echo pod is injected by the
 * API server calling our webhook, and every request the suite makes leaves an echo pod's {@code
 * client} (run with {@code kubectl exec}, through the kubelet) through its sidecar.
 *
 * <p>Passes when the report's MESH-HTTP core result and the extended result for the features we
 * claim ({@link #CLAIMED}) are both {@code success}. The report is written to {@code
 * outrigger.conformance.report} (scripts/conformance.sh points it into docs/conformance/), else
 * under target/. {@code outrigger.conformance.features} replaces the claimed list and {@code
 * outrigger.conformance.runTest} runs one test (e.g. MeshBasic) to try a change quickly.
 */
class GatewayConformanceIT {

  @RegisterExtension static SingleNodeClusterExtension kube = new SingleNodeClusterExtension();

  /** The suite's version: the chart's Gateway API CRDs are the same bundle version. */
  static final String SUITE_VERSION = "v1.6.3";

  /**
   * The features we claim: the profile's core ones (Mesh, HTTPRoute; the suite enables them
   * itself), the extended mesh features Outrigger implements, and the HTTPRoute features some mesh
   * tests need besides. Not claimed (docs/conformance.md says why): MeshClusterIPMatching
   * (MeshFrontendHostname: routes are chosen by the Host header, not by the address dialled).
   */
  static final List<String> CLAIMED =
      List.of(
          "Mesh",
          "HTTPRoute",
          "MeshConsumerRoute",
          "MeshHTTPRouteRewritePath",
          "MeshHTTPRouteSchemeRedirect",
          "MeshHTTPRouteRedirectPort",
          "MeshHTTPRouteRedirectPath",
          "MeshHTTPRouteQueryParamMatching",
          "MeshHTTPRouteNamedRouteRule",
          "MeshHTTPRouteBackendRequestHeaderModification",
          "HTTPRoute303RedirectStatusCode",
          "HTTPRoute307RedirectStatusCode",
          "HTTPRoute308RedirectStatusCode",
          "HTTPRouteResponseHeaderModification",
          "HTTPRouteParentRefPort");

  /**
   * Tests of the profile not run ({@code --skip-tests}), each with its reason; the report then
   * lists them as skipped and its core result is "partial". Empty: every core test runs.
   */
  static final Map<String, String> NOT_RUN = Map.of();

  static final List<String> NAMESPACES =
      List.of("gateway-conformance-mesh", "gateway-conformance-mesh-consumer");

  /** The profile takes 40-100 s here at load ~20; the bound is the suite's own -test.timeout. */
  static final Duration SUITE_TIMEOUT = Duration.ofMinutes(15);

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static GatewayConformanceBinaries binaries;
  static MeshInstallation install;

  @BeforeAll
  static void installTheMeshAndTheEchoImage(@TempDir Path dir) {
    binaries = Prerequisites.requireGatewayConformance();
    SingleNodeCluster cluster = kube.cluster();
    cluster.importImage(
        NodeImages.echoAdvanced(binaries.echoApp()).writeTo(dir.resolve("echo.tar")));
    install = MeshInstallation.install(cluster, "default");
  }

  @AfterAll
  static void cleanUp() {
    if (binaries == null) {
      return; // skipped or failed before the cluster was used
    }
    SingleNodeCluster cluster = kube.cluster();
    // The suite deletes its namespaces itself (cleanup-base-resources); again here after a failure.
    List<String> delete = new ArrayList<>(List.of("delete", "namespace"));
    delete.addAll(NAMESPACES);
    delete.addAll(List.of("--ignore-not-found", "--wait=true", "--timeout=55s"));
    cluster.kubectl(delete.toArray(String[]::new));
    if (install != null) {
      install.close();
      MeshInstallation.purge(cluster);
    }
  }

  @Test
  void meshHttpProfilePassesForEveryFeatureWeClaim() throws Exception {
    Path repo = RepoRoot.find().orElseThrow();
    Path report =
        Path.of(
                System.getProperty(
                    "outrigger.conformance.report",
                    repo.resolve("cli/target/conformance/report.yaml").toString()))
            .toAbsolutePath();
    Files.createDirectories(report.getParent());
    Files.deleteIfExists(report);
    Path log = repo.resolve("cli/target/conformance/suite.log");
    Files.createDirectories(log.getParent());
    String features =
        System.getProperty("outrigger.conformance.features", String.join(",", CLAIMED));
    String runTest = System.getProperty("outrigger.conformance.runTest", "");

    List<String> command =
        new ArrayList<>(
            List.of(
                binaries.suite().toString(),
                "-test.run=^TestConformance$",
                "-test.v",
                "-test.timeout=" + SUITE_TIMEOUT.toSeconds() + "s",
                "--conformance-profiles=MESH-HTTP",
                "--supported-features=" + features,
                "--namespace-labels=outrigger.io/injection=enabled",
                "--report-output=" + report,
                "--organization=outrigger",
                "--project=outrigger",
                // No public home yet: the reserved .invalid name says so (docs/conformance.md).
                "--url=https://outrigger.invalid/docs/conformance.md",
                "--version=" + chartVersion(repo),
                "--contact=outrigger-maintainers",
                "--mode=default",
                "--allow-crds-mismatch=false"));
    if (!runTest.isBlank()) {
      command.add("--run-test=" + runTest);
    } else if (!NOT_RUN.isEmpty()) {
      command.add("--skip-tests=" + String.join(",", new TreeSet<>(NOT_RUN.keySet())));
    }
    System.out.println("gateway conformance: " + String.join(" ", command));
    long started = System.nanoTime();
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(log.getParent().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // controller-runtime's config loader reads KUBECONFIG: the tier's admin kubeconfig.
    builder.environment().put("KUBECONFIG", kube.cluster().adminKubeconfig().toString());
    Process suite = builder.start();
    suite.getOutputStream().close();
    boolean exited = suite.waitFor(SUITE_TIMEOUT.toSeconds() + 60, TimeUnit.SECONDS);
    if (!exited) {
      suite.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.printf(
        "gateway conformance: suite exit %s after %d s (%s), log %s%n",
        exited ? String.valueOf(suite.exitValue()) : "timeout",
        took.toSeconds(),
        Instant.now(),
        log);
    System.out.println(summary(output));

    assertThat(report).as("the suite's report (log: %s)\n%s", log, tail(output)).exists();
    JsonNode profile = meshHttp(report);
    System.out.println("gateway conformance report " + report + ":\n" + Files.readString(report));
    if (!runTest.isBlank()) {
      // One test: the profile is partial by construction; that test must have passed.
      assertThat(profile.findValues("failedTests")).as("failed tests; %s", profile).isEmpty();
      // The report names only the tests that failed or were skipped.
      assertThat(profile.toString())
          .as("%s failed or skipped; %s", runTest, profile)
          .doesNotContain(runTest);
      assertThat(
              profile.path("core").path("statistics").path("Passed").asInt()
                  + profile.path("extended").path("statistics").path("Passed").asInt())
          .as("tests passed; %s", profile)
          .isEqualTo(1);
    } else {
      assertThat(profile.findValues("failedTests")).as("failed tests; %s", profile).isEmpty();
      List<String> skipped = new ArrayList<>();
      profile
          .findValues("skippedTests")
          .forEach(list -> list.forEach(t -> skipped.add(t.asText())));
      assertThat(skipped)
          .as("skipped tests: only those we do not run")
          .isSubsetOf(NOT_RUN.keySet());
      if (NOT_RUN.isEmpty()) {
        assertThat(profile.path("core").path("result").asText())
            .as("MESH-HTTP core result; %s", profile.path("core"))
            .isEqualTo("success");
      }
      JsonNode extended = profile.path("extended");
      if (extended.path("supportedFeatures").size() > 0) {
        assertThat(extended.path("result").asText())
            .as("MESH-HTTP extended result; %s", extended)
            .isEqualTo("success");
      }
    }
    assertThat(exited && suite.exitValue() == 0)
        .as("the suite's own verdict (exit 0); log %s\n%s", log, tail(output))
        .isTrue();
  }

  static JsonNode meshHttp(Path report) {
    try {
      for (JsonNode profile : YAML.readTree(report.toFile()).path("profiles")) {
        if (profile.path("name").asText().equals("MESH-HTTP")) {
          return profile;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the conformance report " + report, e);
    }
    throw new AssertionError("the conformance report " + report + " has no MESH-HTTP profile");
  }

  /** The chart's version (what the report calls the implementation's version). */
  static String chartVersion(Path repo) throws IOException {
    for (String line : Files.readAllLines(repo.resolve("manifests/charts/outrigger/Chart.yaml"))) {
      if (line.startsWith("version:")) {
        return "v" + line.substring("version:".length()).strip();
      }
    }
    throw new IllegalStateException("manifests/charts/outrigger/Chart.yaml: no version");
  }

  /** The suite's per-test verdicts ({@code --- PASS/FAIL/SKIP} lines of go test -v). */
  static String summary(String output) {
    StringBuilder lines = new StringBuilder();
    for (String line : output.split("\n")) {
      String stripped = line.strip();
      if (stripped.startsWith("--- ") && stripped.indexOf('/') == stripped.lastIndexOf('/')) {
        lines.append(line).append('\n');
      }
    }
    return lines.toString();
  }

  static String tail(String output) {
    String[] lines = output.split("\n");
    return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 60), lines.length));
  }
}
