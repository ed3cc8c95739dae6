package io.outrigger.injector.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;
import io.outrigger.injector.GoldenShapes;
import io.outrigger.injector.TestCertificates;
import io.outrigger.injector.inject.InjectionRequest;
import io.outrigger.injector.inject.InjectionResult;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.inject.NativeSidecarMode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Real HTTPS round trips with the JDK HTTP client against the running webhook on loopback. */
class WebhookServerTest {

  @TempDir static Path dir;
  static WebhookServer server;
  static HttpClient client;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestCertificates.selfSigned(cert, key, "outrigger.outrigger-system.svc", "ec");
    InjectorConfig config =
        InjectorConfig.defaults().withNativeSidecar(NativeSidecarMode.AUTO, "1.31");
    server =
        WebhookServer.start(
            WebhookSettings.of(new InetSocketAddress("127.0.0.1", 0), cert, key, config));
    client =
        HttpClient.newBuilder()
            .sslContext(TestCertificates.trusting(cert))
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static List<String> shapes() {
    return GoldenShapes.names();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void everyGoldenShapeGetsTheExpectedPatch(String shape) throws Exception {
    // The API server sends the pod alone: no owning workload name, as for any admitted pod.
    InjectionRequest golden = GoldenShapes.request(shape);
    InjectionRequest request = InjectionRequest.forAdmission(golden.pod(), golden.namespace());
    InjectionResult expected = GoldenShapes.injector().inject(request);
    String uid = UUID.randomUUID().toString();

    HttpResponse<String> http =
        post(
            review("admission.k8s.io/v1", uid, "Pod", "CREATE", request.namespace(), request.pod())
                .toString());

    assertThat(http.statusCode()).isEqualTo(200);
    JsonNode response = JSON.readTree(http.body()).path("response");
    assertThat(response.path("uid").asText()).isEqualTo(uid);
    assertThat(response.path("allowed").asBoolean()).isTrue();
    if (expected.injected()) {
      assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
      JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
      assertThat(patch).isEqualTo(expected.patch());
      assertThat(JsonPatch.apply(patch, request.pod())).isEqualTo(expected.pod());
    } else {
      assertThat(response.has("patch")).isFalse();
      assertThat(response.has("patchType")).isFalse();
    }
    assertThat(response.path("warnings").size()).isEqualTo(expected.warnings().size());
  }

  @Test
  void v1beta1IsAnsweredInKind() throws Exception {
    JsonNode pod = GoldenShapes.object("plain-pod");
    HttpResponse<String> http =
        post(
            review("admission.k8s.io/v1beta1", "u-1", "Pod", "CREATE", "bookinfo", pod).toString());

    JsonNode body = JSON.readTree(http.body());
    assertThat(http.statusCode()).isEqualTo(200);
    assertThat(body.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1beta1");
    assertThat(body.path("response").path("uid").asText()).isEqualTo("u-1");
    assertThat(body.path("response").path("patchType").asText()).isEqualTo("JSONPatch");
  }

  @Test
  void malformedJsonIs400NamingTheProblem() throws Exception {
    HttpResponse<String> http = post("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": ");

    assertThat(http.statusCode()).isEqualTo(400);
    assertThat(http.body()).startsWith("malformed JSON:").contains("line 1");
    assertNoStackTrace(http.body());
  }

  @Test
  void unknownApiVersionIs400() throws Exception {
    HttpResponse<String> http =
        post(
            review(
                    "admission.k8s.io/v2",
                    "u-2",
                    "Pod",
                    "CREATE",
                    "ns",
                    GoldenShapes.object("plain-pod"))
                .toString());

    assertThat(http.statusCode()).isEqualTo(400);
    assertThat(http.body()).contains("unsupported apiVersion 'admission.k8s.io/v2'");
    assertNoStackTrace(http.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Service:CREATE", "Pod:UPDATE", "Pod:DELETE"})
  void otherKindsAndOperationsAreAllowedUntouched(String kindAndOperation) throws Exception {
    String[] parts = kindAndOperation.split(":");
    HttpResponse<String> http =
        post(
            review(
                    "admission.k8s.io/v1",
                    "u-3",
                    parts[0],
                    parts[1],
                    "bookinfo",
                    GoldenShapes.object("plain-pod"))
                .toString());

    JsonNode response = JSON.readTree(http.body()).path("response");
    assertThat(http.statusCode()).isEqualTo(200);
    assertThat(response.path("uid").asText()).isEqualTo("u-3");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.has("patch")).isFalse();
  }

  @Test
  void bodyOverTenMebibytesIs413() throws Exception {
    byte[] body = new byte[WebhookSettings.DEFAULT_MAX_BODY + 1];
    java.util.Arrays.fill(body, (byte) ' ');

    HttpResponse<String> http =
        client.send(
            HttpRequest.newBuilder(uri("/inject"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(http.statusCode()).isEqualTo(413);
    assertThat(http.body()).contains("over the limit of 10485760 bytes");
  }

  /**
   * Deep nesting used to be a 500 (the parser's depth error has no location: a
   * NullPointerException).
   */
  @ParameterizedTest(name = "{0} levels")
  @org.junit.jupiter.params.provider.ValueSource(
      ints = {WebhookServer.MAX_NESTING_DEPTH, 5_000, 100_000})
  void deeplyNestedJsonIs400NamingTheLimit(int depth) throws Exception {
    HttpResponse<String> http = post(podWithNesting(depth));

    assertThat(http.statusCode()).as(http.body()).isEqualTo(400);
    assertThat(http.body())
        .isEqualTo(
            "request body over a parser limit: Document nesting depth ("
                + (WebhookServer.MAX_NESTING_DEPTH + 1)
                + ") exceeds the maximum allowed ("
                + WebhookServer.MAX_NESTING_DEPTH
                + ")\n");
  }

  @Test
  void nestingUpToTheLimitIsReviewed() throws Exception {
    // The review, request, object and spec levels come on top of the nested value: 4 + N <= the
    // limit.
    HttpResponse<String> http = post(podWithNesting(WebhookServer.MAX_NESTING_DEPTH - 4));

    assertThat(http.statusCode()).as(http.body()).isEqualTo(200);
    assertThat(JSON.readTree(http.body()).path("response").path("allowed").asBoolean()).isTrue();
  }

  private static String podWithNesting(int depth) {
    ObjectNode pod = GoldenShapes.object("plain-pod");
    String nested = "[".repeat(depth) + "]".repeat(depth);
    return review("admission.k8s.io/v1", "u-deep", "Pod", "CREATE", "bookinfo", pod)
        .toString()
        .replace("\"spec\":{", "\"spec\":{\"deep\":" + nested + ",");
  }

  @Test
  void badResourceAnnotationIsDeniedWithItsName() throws Exception {
    ObjectNode pod = GoldenShapes.object("plain-pod");
    ((ObjectNode) pod.path("metadata"))
        .putObject("annotations")
        .put("sidecar.istio.io/proxyMemory", "lots");

    HttpResponse<String> http =
        post(review("admission.k8s.io/v1", "u-4", "Pod", "CREATE", "bookinfo", pod).toString());

    JsonNode response = JSON.readTree(http.body()).path("response");
    assertThat(response.path("allowed").asBoolean()).isFalse();
    assertThat(response.path("status").path("message").asText())
        .isEqualTo(
            "pod bookinfo/ratings: annotation sidecar.istio.io/proxyMemory=\"lots\""
                + " is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi)");
  }

  @Test
  void getOnInjectIs405AndUnknownPathIs404() throws Exception {
    HttpResponse<String> get =
        client.send(
            HttpRequest.newBuilder(uri("/inject")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> unknown =
        client.send(
            HttpRequest.newBuilder(uri("/nope")).GET().build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(unknown.statusCode()).isEqualTo(404);
  }

  @Test
  void healthzAndMetricsAnswer() throws Exception {
    post(
        review(
                "admission.k8s.io/v1",
                "u-5",
                "Pod",
                "CREATE",
                "monitoring",
                GoldenShapes.object("host-network"))
            .toString());
    post(
        review(
                "admission.k8s.io/v1",
                "u-6",
                "Pod",
                "CREATE",
                "bookinfo",
                GoldenShapes.object("plain-pod"))
            .toString());

    HttpResponse<String> health =
        client.send(
            HttpRequest.newBuilder(uri("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> metrics =
        client.send(
            HttpRequest.newBuilder(uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("outrigger_injector_requests_total{outcome=\"injected\"}")
        .contains("outrigger_injector_skipped_total{reason=\"host_network\"}")
        .contains("outrigger_injector_injected_total")
        .contains("outrigger_injector_request_duration_seconds_bucket");
  }

  @Test
  void aPodWhoseNameIsNotAUsableStringIsReviewedNotA500() throws Exception {
    // Found by AdmissionReviewFuzzTest: a name of the wrong type gave an empty workload name, whose
    // IllegalArgumentException from the bootstrap escaped as HTTP 500.
    List<String> metadatas =
        List.of("\"name\":{\"app\":\"web\"}", "\"generateName\":\"-\"", "\"name\":7");
    for (String metadata : metadatas) {
      JsonNode pod =
          JSON.readTree(
              "{\"metadata\":{"
                  + metadata
                  + ",\"annotations\":{\"sidecar.istio.io/inject\":\"true\"}},"
                  + "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"}]}}");
      HttpResponse<String> r =
          post(
              JSON.writeValueAsString(
                  review(
                      "admission.k8s.io/v1",
                      UUID.randomUUID().toString(),
                      "Pod",
                      "CREATE",
                      "default",
                      pod)));
      assertThat(r.statusCode()).as("metadata {%s}: %s", metadata, r.body()).isEqualTo(200);
      assertThat(JSON.readTree(r.body()).path("response").path("allowed").asBoolean()).isTrue();
    }
  }

  static void assertNoStackTrace(String body) {
    assertThat(body).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("at io.");
  }

  static ObjectNode review(
      String apiVersion,
      String uid,
      String kind,
      String operation,
      String namespace,
      JsonNode object) {
    ObjectNode review = JSON.createObjectNode();
    review.put("apiVersion", apiVersion);
    review.put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request");
    request.put("uid", uid);
    ObjectNode k = request.putObject("kind");
    k.put("group", "");
    k.put("version", "v1");
    k.put("kind", kind);
    request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
    request.put("namespace", namespace);
    request.put("operation", operation);
    request.set("object", object);
    return review;
  }

  private HttpResponse<String> post(String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri("/inject"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static URI uri(String path) {
    return URI.create("https://127.0.0.1:" + server.address().getPort() + path);
  }
}
