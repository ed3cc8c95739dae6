package io.outrigger.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.certs.grpc.GrpcServerLimits;
import io.outrigger.controlplane.xds.XdsTypes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The xDS TLS port's connection limit (docs/limits.md), set to 2 with {@code
 * -Doutrigger.grpc.maxConnections}: two proxies' ADS streams open, a third connection is closed
 * before its handshake (UNAVAILABLE, nothing sent to it) while the two streams go on and receive
 * the next change, and once one proxy leaves a new one is served. Real TLS, tokens and gRPC.
 */
class XdsConnectionCapTest {
  private static final String NS = "demo";
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir static Path work;
  private static TestRegistry registry;
  private static ControlPlane controlPlane;

  @BeforeAll
  static void start() throws Exception {
    registry = new TestRegistry(Files.createDirectory(work.resolve("registry")));
    StringBuilder workloads = new StringBuilder();
    for (String p : List.of("a", "b", "c", "d")) {
      workloads.append(TestRegistry.workload(NS, "pod-" + p, p, "sa-" + p, 8080));
    }
    registry.write("workloads.yaml", workloads.toString());
    registry.write("echo.yaml", TestRegistry.service(NS, "echo", "198.19.0.1", 80));
    System.setProperty(GrpcServerLimits.MAX_CONNECTIONS_PROPERTY, "2");
    try {
      controlPlane =
          ControlPlane.start(
              ControlPlaneSettings.forTests(registry.dir(), work.resolve("ca")),
              new LoopbackTestConfig());
    } finally {
      System.clearProperty(GrpcServerLimits.MAX_CONNECTIONS_PROPERTY);
    }
  }

  @AfterAll
  static void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void aConnectionOverTheLimitIsRefusedWhileTheOpenStreamsGoOn() throws Exception {
    List<RawAdsClient> open = new ArrayList<>();
    try {
      for (String p : List.of("a", "b")) {
        RawAdsClient proxy = connect(p);
        open.add(proxy);
        DiscoveryResponse clusters = proxy.next(XdsTypes.CLUSTER, WAIT);
        assertThat(clusters).as("clusters for pod-%s", p).isNotNull();
        proxy.ack(NS, "pod-" + p, "sa-" + p, clusters, List.of());
      }

      try (RawAdsClient over = connect("c")) {
        Status status = over.closedWith(WAIT);
        assertThat(status).as("the third connection's stream").isNotNull();
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(over.received()).as("sent to the refused proxy").isEmpty();
      }

      registry.write("echo2.yaml", TestRegistry.service(NS, "echo2", "198.19.0.2", 80));
      for (RawAdsClient proxy : open) {
        assertThat(proxy.closedWith(Duration.ZERO)).as("an open stream stays open").isNull();
        DiscoveryResponse next = proxy.next(XdsTypes.CLUSTER, WAIT);
        assertThat(next).as("the change on an open stream").isNotNull();
        assertThat(next.getResourcesList())
            .extracting(r -> Cluster.parseFrom(r.getValue()).getName())
            .contains("outbound|80||echo2.demo.svc.cluster.local");
      }

      open.remove(0).close();
      try (RawAdsClient next = awaitServed("d")) {
        assertThat(next).as("a proxy once a connection is free").isNotNull();
      }
      System.out.printf(
          "xDS connection cap 2: the third connection refused (UNAVAILABLE), the open streams took"
              + " the next change, a new proxy served once one left%n");
    } finally {
      open.forEach(RawAdsClient::close);
    }
  }

  private static RawAdsClient connect(String p) {
    RawAdsClient client =
        new RawAdsClient(
            controlPlane.xdsTlsPort(),
            controlPlane.rootCertPem(),
            controlPlane.serverName(),
            controlPlane.mintToken(new WorkloadIdentity(NS, "sa-" + p), Duration.ofMinutes(10)));
    client.request(NS, "pod-" + p, "sa-" + p, XdsTypes.CLUSTER, List.of());
    return client;
  }

  /**
   * A closed connection is counted free once the server sees it closed: a connection tried before
   * may still be refused, so a few tries, each its own connection.
   */
  private static RawAdsClient awaitServed(String p) throws InterruptedException {
    for (int attempt = 0; attempt < 5; attempt++) {
      RawAdsClient client = connect(p);
      if (client.next(XdsTypes.CLUSTER, WAIT) != null) {
        return client;
      }
      client.close();
    }
    return null;
  }
}
