package io.outrigger.injector.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.injector.TestCertificates;
import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.testsupport.SlowClients;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients against the real HTTPS webhook (docs/limits.md): hundreds of connections that stall
 * in the TLS handshake or in their request headers neither take the threads the API server's
 * reviews need (a review is answered at once while they hang) nor stay forever (the server closes
 * them after HttpServerLimits.MAX_REQUEST_SECONDS); oversized headers are refused.
 */
class WebhookSlowClientTest {
  private static final byte[] TLS_RECORD_START = {0x16, 0x03, 0x01};
  private static final byte[] HALF_A_REQUEST =
      "POST /inject HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  @TempDir static Path dir;
  private static WebhookServer server;
  private static HttpClient client;
  private static SSLContext tls;

  @BeforeAll
  static void start() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestCertificates.selfSigned(cert, key, "outrigger.outrigger-system.svc", "ec");
    server =
        WebhookServer.start(
            WebhookSettings.of(
                new InetSocketAddress("127.0.0.1", 0), cert, key, InjectorConfig.defaults()));
    tls = TestCertificates.trusting(cert);
    client =
        HttpClient.newBuilder()
            .sslContext(tls)
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

  @Test
  void slowClientsTakeNoThreadsFromReviewsAndAreClosedAfterTheRequestTimeLimit() throws Exception {
    int port = server.address().getPort();
    int threadsBefore = SlowClients.platformThreads();
    try (SlowClients inHandshake = SlowClients.open("127.0.0.1", port, 300, TLS_RECORD_START);
        SlowClients inHeaders =
            SlowClients.openTls(tls.getSocketFactory(), "127.0.0.1", port, 100, HALF_A_REQUEST)) {
      long start = System.nanoTime();
      HttpResponse<String> review = post("{\"kind\":\"AdmissionReview\"}", Duration.ofSeconds(5));
      Duration answered = Duration.ofNanos(System.nanoTime() - start);

      assertThat(review.statusCode())
          .as("a review while 400 slow connections hang")
          .isBetween(200, 499);
      // Before any slow connection could have been closed: the review did not wait behind them.
      assertThat(answered)
          .as("time to answer a review beside the slow clients")
          .isLessThan(Duration.ofSeconds(HttpServerLimits.MAX_REQUEST_SECONDS / 2));
      // A thread per connection would add one per slow client (300-500 here); the bound leaves room
      // for
      // the JVM's own (virtual-thread carriers, the HTTP client's), which once reached 21 on a
      // loaded machine.
      assertThat(SlowClients.platformThreads() - threadsBefore)
          .as("platform threads added by 400 slow clients")
          .isLessThan(100);
      Duration handshakes =
          inHandshake.awaitAllClosed(Duration.ofSeconds(HttpServerLimits.MAX_REQUEST_SECONDS + 10));
      Duration headers =
          inHeaders.awaitAllClosed(Duration.ofSeconds(HttpServerLimits.MAX_REQUEST_SECONDS + 10));
      System.out.printf(
          "webhook slow clients: review answered in %d ms; 300 stalled handshakes closed after %d ms, "
              + "100 stalled requests after %d ms more%n",
          answered.toMillis(), handshakes.toMillis(), headers.toMillis());
    }
    assertThat(post("{}", Duration.ofSeconds(5)).statusCode()).isEqualTo(400);
  }

  @Test
  void requestHeadersPastTheLimitAreRefusedAndTheServerGoesOn() throws Exception {
    HttpRequest oversized =
        HttpRequest.newBuilder(uri())
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("X-Padding", "a".repeat(HttpServerLimits.MAX_HEADER_BYTES + 1))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    // The JDK server closes such a connection without an answer.
    String outcome;
    try {
      outcome = "HTTP " + client.send(oversized, HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (java.io.IOException e) {
      outcome = "closed: " + e.getMessage();
    }
    assertThat(outcome)
        .as("headers over %d bytes", HttpServerLimits.MAX_HEADER_BYTES)
        .matches("closed: .*|HTTP (400|413|431)");
    assertThat(post("{}", Duration.ofSeconds(5)).statusCode()).isEqualTo(400);
  }

  private static HttpResponse<String> post(String body, Duration timeout) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri())
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri() {
    return URI.create("https://127.0.0.1:" + server.address().getPort() + "/inject");
  }
}
