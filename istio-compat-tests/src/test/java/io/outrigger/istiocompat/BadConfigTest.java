package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.testsupport.EnvoyExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A good 90/10 canary is in force; then the VirtualService's file is replaced by a broken one. The
 * control plane must name the object and the reason (log and /debug/syncz), and the sidecars keep
 * the last good routes while traffic flows.
 */
class BadConfigTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload V1 = Bookinfo.REVIEWS_V1;
  private static final MeshWorkload V2 = Bookinfo.REVIEWS_V2;
  private static final MeshWorkload V3 = Bookinfo.REVIEWS_V3;
  private static final String VIRTUAL_SERVICE_FILE = Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE;
  private static final Duration REPORTED = Duration.ofSeconds(10);

  private static HostModeMesh mesh;

  @BeforeAll
  static void startMesh() {
    mesh = Bookinfo.startReviewsInThreeVersions(ENVOYS);
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @BeforeEach
  void goodCanaryInForce() {
    mesh.registry()
        .write(VIRTUAL_SERVICE_FILE, RegistryDirectory.sample("istio/reviews-canary-90-10.yaml"));
    await().atMost(REPORTED).until(() -> mesh.controlPlane().syncz().configErrors().isEmpty());
    RouteWeights.awaitSplit(
        mesh.pod(PRODUCTPAGE.name()), ServiceAddress.REVIEWS.host(), List.of(90, 10), REPORTED);
  }

  @AfterEach
  void sidecarsAcceptedEverything() {
    SidecarChecks.assertNoNackAndValid(mesh);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "weights-sum-90.yaml | VirtualService bookinfo/reviews | kind=VirtualService namespace=bookinfo name=reviews | 90",
        "unknown-subset.yaml | VirtualService bookinfo/reviews | kind=VirtualService namespace=bookinfo name=reviews | v9",
        "unimplemented-field.yaml | VirtualService bookinfo/reviews | kind=VirtualService namespace=bookinfo name=reviews "
            + "| spec.http[0].retries.retryRemoteLocalities is not implemented",
        "invalid-yaml.yaml | "
            + VIRTUAL_SERVICE_FILE
            + " | file="
            + VIRTUAL_SERVICE_FILE
            + " | YAML",
      })
  void brokenConfigIsReportedByNameAndTheLastGoodRoutesKeepServing(
      String badFile, String object, String logFields, String reason) {
    try (LogCapture log = new LogCapture()) {
      mesh.registry().write(VIRTUAL_SERVICE_FILE, resource("bad-config/" + badFile));

      await()
          .atMost(REPORTED)
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () ->
                  assertThat(mesh.controlPlane().syncz().configErrors())
                      .as("/debug/syncz configErrors")
                      .anySatisfy(
                          e -> assertThat(e).contains(object).containsIgnoringCase(reason)));
      assertThat(log.lines())
          .as("control plane log")
          .anySatisfy(line -> assertThat(line).contains(logFields).containsIgnoringCase(reason));
    }
    MeshedPod client = mesh.pod(PRODUCTPAGE.name());
    assertThat(RouteWeights.of(client, ServiceAddress.REVIEWS.host()))
        .as("routes productpage's sidecar holds")
        .containsExactly(List.of(90, 10));
    Map<String, Long> served =
        PodHttp.echoMany(client.pod(), ServiceAddress.REVIEWS, Map.of(), 200).stream()
            .collect(Collectors.groupingBy(EchoReply::name, Collectors.counting()));
    assertThat(served.keySet())
        .as("versions serving after the broken update")
        .containsOnly(V1.name(), V2.name());
    assertThat(served.get(V1.name())).as("v1 still takes most: %s", served).isGreaterThan(150L);
    assertThat(
            PodHttp.echo(client.pod(), ServiceAddress.REVIEWS, "/", Map.of("end-user", "jason"))
                .name())
        .isEqualTo(V3.name());
  }

  /** A file of this module's test resources, e.g. {@code bad-config/weights-sum-90.yaml}. */
  static String resource(String path) {
    try (InputStream in = BadConfigTest.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("test resource " + path + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read test resource " + path, e);
    }
  }
}
