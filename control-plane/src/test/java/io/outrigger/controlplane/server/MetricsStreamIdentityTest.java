package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.metrics.v3.MetricsServiceGrpc;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.telemetry.SinkFlush;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics stream on the TLS port is admitted like ADS: real TLS, real gRPC, real host-mode
 * tokens. What a stream reports counts for the workload its token proves, and no other.
 */
class MetricsStreamIdentityTest {
  static final String NS = "demo";
  static final String CLUSTER = "outbound|80||echo.demo.svc.cluster.local";

  @TempDir static Path work;
  static ControlPlane controlPlane;
  static MonitoringClient monitoring;

  @BeforeAll
  static void start() throws Exception {
    TestRegistry registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    registry.write(
        "workloads.yaml",
        TestRegistry.service(NS, "echo", "198.19.0.1", 80)
            + TestRegistry.workload(NS, "echo-1", "echo", "echo", 8080)
            + TestRegistry.workload(NS, "pod-a", "a", "sa-a", 8080)
            + TestRegistry.workload(NS, "pod-b", "b", "sa-b", 8080));
    controlPlane =
        ControlPlane.start(
            ControlPlaneSettings.forTests(registry.dir(), work.resolve("ca")),
            new LoopbackTestConfig());
    monitoring = new MonitoringClient(controlPlane.monitoringPort());
  }

  @AfterAll
  static void stop() {
    controlPlane.close();
  }

  /** A sidecar's metrics stream, driven by hand. */
  static final class Stream implements AutoCloseable {
    final ManagedChannel channel =
        RawAdsClient.tlsChannel(
            controlPlane.xdsTlsPort(), controlPlane.rootCertPem(), controlPlane.serverName());
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    final StreamObserver<StreamMetricsMessage> messages;

    Stream(String serviceAccount) {
      MetricsServiceGrpc.MetricsServiceStub stub = MetricsServiceGrpc.newStub(channel);
      if (serviceAccount != null) {
        stub =
            stub.withCallCredentials(
                RawAdsClient.bearer(
                    controlPlane.mintToken(
                        new WorkloadIdentity(NS, serviceAccount), Duration.ofMinutes(10))));
      }
      messages =
          stub.streamMetrics(
              new StreamObserver<>() {
                @Override
                public void onNext(StreamMetricsResponse value) {}

                @Override
                public void onError(Throwable t) {
                  closed.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                  closed.complete(Status.OK);
                }
              });
    }

    void send(Node node, long requests) {
      StreamMetricsMessage.Builder m =
          StreamMetricsMessage.newBuilder()
              .addAllEnvoyMetrics(
                  new SinkFlush().cluster(CLUSTER, requests, 0, 1, 0, requests).build());
      if (node != null) {
        m.getIdentifierBuilder().setNode(node);
      }
      messages.onNext(m.build());
    }

    Status closedWith(Duration timeout) throws Exception {
      try {
        return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        return null;
      }
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }

  static List<String> sources() {
    List<String> out = new ArrayList<>();
    for (JsonNode e : monitoring.json("/api/mesh").path("edges")) {
      out.add(e.path("source").asText() + " " + e.path("requests").asLong());
    }
    return out;
  }

  @Test
  void aStreamReportsForTheWorkloadItsTokenProves() throws Exception {
    try (Stream a = new Stream("sa-a")) {
      a.send(RawAdsClient.node(NS, "pod-a", "sa-a"), 10);
      Thread.sleep(1100);
      // Envoy names the node in the first message only.
      a.send(null, 70);

      await().atMost(Duration.ofSeconds(10)).until(() -> sources().contains("demo/pod-a 60"));
      assertThat(a.closedWith(Duration.ofMillis(200))).as("the stream stays open").isNull();
    }
  }

  @Test
  void aTokenOfAClaimingWorkloadBIsRefusedAndCountsForNobody() throws Exception {
    try (Stream a = new Stream("sa-a")) {
      a.send(RawAdsClient.node(NS, "pod-b", "sa-b"), 10);

      assertDeniedAndNothingCountedForPodB(a, "demo/sa-a", "demo/pod-b");
    }
  }

  @Test
  void aBoundStreamCannotSwitchToAnotherNode() throws Exception {
    try (Stream a = new Stream("sa-a")) {
      a.send(RawAdsClient.node(NS, "pod-a", "sa-a"), 10);
      a.send(RawAdsClient.node(NS, "pod-b", "sa-b"), 10);

      assertDeniedAndNothingCountedForPodB(a, "cannot report for node", "pod-b");
    }
  }

  static void assertDeniedAndNothingCountedForPodB(Stream stream, String... reason)
      throws Exception {
    Status status = stream.closedWith(Duration.ofSeconds(10));
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains(reason);
    assertThat(sources()).noneMatch(s -> s.startsWith("demo/pod-b"));
  }

  @Test
  void withoutTokenOrNodeNothingIsAccepted() throws Exception {
    try (Stream anonymous = new Stream(null)) {
      anonymous.send(RawAdsClient.node(NS, "pod-a", "sa-a"), 10);
      assertThat(anonymous.closedWith(Duration.ofSeconds(10)).getCode())
          .isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    try (Stream nameless = new Stream("sa-a")) {
      nameless.send(null, 10);
      Status status = nameless.closedWith(Duration.ofSeconds(10));
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).contains("node identifier");
    }
  }
}
