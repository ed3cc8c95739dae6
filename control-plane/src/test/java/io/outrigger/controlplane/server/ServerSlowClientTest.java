package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.certs.grpc.GrpcServerLimits;
import io.outrigger.injector.webhook.HttpServerLimits;
import io.outrigger.testsupport.SlowClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients against a real control plane's xDS TLS port and monitoring port (docs/limits.md):
 * they add no platform threads, Prometheus' scrape is answered beside them (the monitoring port had
 * 2 threads, which two stalled connections used to hold for good), and the server closes them after
 * its time limit.
 */
class ServerSlowClientTest {
  private static final byte[] TLS_RECORD_START = {0x16, 0x03, 0x01};
  private static final byte[] HALF_A_REQUEST =
      "GET /metrics HTTP/1.1\r\nHost: cp\r\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir static Path work;
  private static ControlPlane controlPlane;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path registry = Files.createDirectory(work.resolve("registry"));
    controlPlane = ControlPlane.start(ControlPlaneSettings.forTests(registry, work.resolve("ca")));
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void slowClientsOfTheMonitoringPortTakeNoThreadsFromTheScrapeAndAreClosed() throws Exception {
    int threadsBefore = SlowClients.platformThreads();
    try (SlowClients stalled =
        SlowClients.open("127.0.0.1", controlPlane.monitoringPort(), 300, HALF_A_REQUEST)) {
      long start = System.nanoTime();
      HttpResponse<String> scrape =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + controlPlane.monitoringPort() + "/metrics"))
                  .timeout(Duration.ofSeconds(HttpServerLimits.MAX_REQUEST_SECONDS - 2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Duration answered = Duration.ofNanos(System.nanoTime() - start);

      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(answered)
          .as("scrape beside 300 stalled requests")
          .isLessThan(Duration.ofSeconds(HttpServerLimits.MAX_REQUEST_SECONDS / 2));
      // A thread per connection would add one per slow client (300-500 here); the bound leaves room
      // for
      // the JVM's own (virtual-thread carriers, the HTTP client's), which once reached 21 on a
      // loaded machine.
      assertThat(SlowClients.platformThreads() - threadsBefore)
          .as("platform threads added")
          .isLessThan(100);
      Duration closed =
          stalled.awaitAllClosed(Duration.ofSeconds(HttpServerLimits.MAX_REQUEST_SECONDS + 10));
      System.out.printf(
          "monitoring slow clients: scrape answered in %d ms beside 300 stalled requests, "
              + "closed within %d ms%n",
          answered.toMillis(), closed.toMillis());
    }
  }

  @Test
  void connectionsStalledInTheXdsHandshakeTakeNoThreadsAndAreClosed() throws Exception {
    int threadsBefore = SlowClients.platformThreads();
    try (SlowClients stalled =
        SlowClients.open("127.0.0.1", controlPlane.xdsTlsPort(), 500, TLS_RECORD_START)) {
      // A thread per connection would add one per slow client (300-500 here); the bound leaves room
      // for
      // the JVM's own (virtual-thread carriers, the HTTP client's), which once reached 21 on a
      // loaded machine.
      assertThat(SlowClients.platformThreads() - threadsBefore)
          .as("platform threads added")
          .isLessThan(100);
      Duration closed =
          stalled.awaitAllClosed(
              Duration.ofSeconds(GrpcServerLimits.HANDSHAKE_TIMEOUT_SECONDS + 10));
      System.out.printf(
          "xDS slow clients: 500 stalled handshakes closed within %d ms%n", closed.toMillis());
    }
  }
}
