package io.outrigger.injector.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.injector.GoldenShapes;
import io.outrigger.injector.TestCertificates;
import io.outrigger.injector.inject.InjectorConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook as the control plane hosts it, over real HTTPS: serving keys held in memory and
 * swapped while it runs, namespace labels and tags from an {@link AdmissionContext}, and {@code
 * /validate}.
 */
class HostedWebhookTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** The context a control plane of revision "a" with the tag "prod" would give. */
  static final AdmissionContext CONTEXT =
      new AdmissionContext() {
        @Override
        public Optional<Map<String, String>> namespaceLabels(String namespace) {
          return Optional.of(
              switch (namespace) {
                case "ns-b" -> Map.of("outrigger.io/rev", "b");
                case "ns-prod" -> Map.of("istio.io/rev", "prod");
                default -> Map.of();
              });
        }

        @Override
        public Set<String> revisionTags() {
          return Set.of("prod");
        }
      };

  static final ConfigValidator VALIDATOR =
      (object, namespace) ->
          object.path("spec").path("hosts").isEmpty()
              ? Optional.of("spec.hosts is empty")
              : Optional.empty();

  @Test
  void injectsOnlyItsRevisionsNamespacesValidatesAndSwapsItsCertificate() throws Exception {
    Path cert = dir.resolve("one.crt");
    Path key = dir.resolve("one.key");
    TestCertificates.selfSigned(cert, key, "webhook-one", "ec");
    Path nextCert = dir.resolve("two.crt");
    Path nextKey = dir.resolve("two.key");
    TestCertificates.selfSigned(nextCert, nextKey, "webhook-two", "rsa");
    AtomicReference<ServingKeys> keys =
        new AtomicReference<>(
            new ServingKeys(PemFiles.certificates(cert), PemFiles.privateKey(key)));

    try (WebhookServer server =
        WebhookServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            keys::get,
            InjectorConfig.defaults().withRevision("a"),
            CONTEXT,
            VALIDATOR)) {
      HttpClient client =
          HttpClient.newBuilder()
              .sslContext(TestCertificates.trusting(cert, nextCert))
              .version(HttpClient.Version.HTTP_1_1)
              .build();

      JsonNode other = post(client, server, "/inject", pod("ns-b"));
      JsonNode tagged = post(client, server, "/inject", pod("ns-prod"));
      assertThat(other.path("response").path("allowed").asBoolean()).isTrue();
      assertThat(other.path("response").has("patch")).as("ns-b selects revision b").isFalse();
      assertThat(tagged.path("response").path("patchType").asText())
          .as("prod points at a")
          .isEqualTo("JSONPatch");

      JsonNode refused = post(client, server, "/validate", virtualService("bad", "[]", "CREATE"));
      assertThat(refused.path("response").path("allowed").asBoolean()).isFalse();
      assertThat(refused.path("response").path("status").path("message").asText())
          .isEqualTo("VirtualService shop/bad: spec.hosts is empty");
      assertThat(
              post(client, server, "/validate", virtualService("good", "[\"reviews\"]", "UPDATE"))
                  .path("response")
                  .path("allowed")
                  .asBoolean())
          .isTrue();
      assertThat(
              post(client, server, "/validate", virtualService("bad", "[]", "DELETE"))
                  .path("response")
                  .path("allowed")
                  .asBoolean())
          .as("deleting is never refused")
          .isTrue();

      assertThat(peer(client, server).getSubjectX500Principal().getName())
          .isEqualTo("CN=webhook-one");
      keys.set(new ServingKeys(PemFiles.certificates(nextCert), PemFiles.privateKey(nextKey)));
      HttpClient fresh =
          HttpClient.newBuilder()
              .sslContext(TestCertificates.trusting(cert, nextCert))
              .version(HttpClient.Version.HTTP_1_1)
              .build();
      assertThat(peer(fresh, server).getSubjectX500Principal().getName())
          .isEqualTo("CN=webhook-two");
      assertThat(server.servingCertificate().getSubjectX500Principal().getName())
          .isEqualTo("CN=webhook-two");
    }
  }

  @Test
  void theStandaloneWebhookHasNoValidatePath(@TempDir Path tls) throws Exception {
    Path cert = tls.resolve("tls.crt");
    Path key = tls.resolve("tls.key");
    TestCertificates.selfSigned(cert, key, "webhook", "ec");
    try (WebhookServer server =
        WebhookServer.start(
            WebhookSettings.of(
                new InetSocketAddress("127.0.0.1", 0), cert, key, InjectorConfig.defaults()))) {
      HttpClient client =
          HttpClient.newBuilder().sslContext(TestCertificates.trusting(cert)).build();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(uri(server, "/validate"))
                  .POST(HttpRequest.BodyPublishers.ofString(virtualService("x", "[]", "CREATE")))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(404);
    }
  }

  private static String pod(String namespace) {
    return WebhookServerTest.review(
            "admission.k8s.io/v1",
            "u-" + namespace,
            "Pod",
            "CREATE",
            namespace,
            GoldenShapes.object("plain-pod"))
        .toString();
  }

  private static String virtualService(String name, String hosts, String operation)
      throws Exception {
    JsonNode object =
        JSON.readTree(
            "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\","
                + "\"metadata\":{\"name\":\""
                + name
                + "\",\"namespace\":\"shop\"},\"spec\":{\"hosts\":"
                + hosts
                + "}}");
    ObjectNode review =
        WebhookServerTest.review(
            "admission.k8s.io/v1", "u-" + name, "VirtualService", operation, "shop", object);
    ((ObjectNode) review.path("request")).put("name", name);
    return review.toString();
  }

  private static JsonNode post(HttpClient client, WebhookServer server, String path, String body)
      throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(uri(server, path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static X509Certificate peer(HttpClient client, WebhookServer server) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(uri(server, "/healthz")).build(),
            HttpResponse.BodyHandlers.ofString());
    return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
  }

  private static URI uri(WebhookServer server, String path) {
    return URI.create("https://127.0.0.1:" + server.address().getPort() + path);
  }
}
