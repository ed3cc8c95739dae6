package io.outrigger.controlplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.outrigger.controlplane.testing.TestClock;
import io.outrigger.controlplane.xds.ConnectedProxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeshTelemetryTest {
  static final String V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
  static final String V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";
  static final ConnectedProxy PRODUCTPAGE =
      proxy(
          "sidecar~198.18.0.2~productpage-v1.default~default.svc.cluster.local", "productpage-v1");

  final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
  final MeshTelemetry telemetry = new MeshTelemetry(Duration.ofSeconds(30), clock);

  static ConnectedProxy proxy(String id, String workload) {
    return new ConnectedProxy(
        id, "default", workload, "bookinfo-productpage", true, Node.getDefaultInstance());
  }

  @Test
  void edgeFiguresAreTheChangeBetweenTheFirstAndLastFlushInTheWindow() {
    telemetry.record(
        PRODUCTPAGE,
        new SinkFlush().cluster(V1, 100, 0, 3, 0, 100).cluster(V2, 10, 0, 0, 0, 10).build());
    clock.advance(Duration.ofSeconds(10));
    // v1: 1000 more requests, 10 of them 5xx; latency 500 in (0.5,1] ms, 490 in (1,5], 10 in
    // (25,50].
    telemetry.record(
        PRODUCTPAGE,
        new SinkFlush()
            .cluster(V1, 1100, 10, 3, 0, 600, 490, 0, 0, 10)
            .cluster(V2, 110, 0, 0, 0, 110)
            .build());

    List<EdgeStats> edges = telemetry.traffic().edges();

    assertThat(edges).extracting(e -> e.destination().subset()).containsExactly("v1", "v2");
    EdgeStats v1 = edges.get(0);
    assertThat(v1.source()).isEqualTo("default/productpage-v1");
    assertThat(v1.destination().host()).isEqualTo("reviews.default.svc.cluster.local");
    assertThat(v1.destination().port()).isEqualTo(9080);
    assertThat(v1.requests()).isEqualTo(1000);
    assertThat(v1.rate()).isCloseTo(100.0, within(1e-9));
    assertThat(v1.successRate()).isCloseTo(0.99, within(1e-9));
    // rank 500: the last of (0.5,1]; rank 990: the last of (1,5].
    assertThat(v1.p50Ms()).isCloseTo(1.0, within(1e-9));
    assertThat(v1.p99Ms()).isCloseTo(5.0, within(1e-9));
    assertThat(v1.mtls())
        .as("TLS handshakes were made to v1 (none in the window: kept-alive)")
        .isTrue();
    EdgeStats v2 = edges.get(1);
    assertThat(v2.requests()).isEqualTo(100);
    assertThat(v2.mtls()).as("no TLS handshake to v2 ever: plaintext").isFalse();
    assertThat(v2.successRate()).isEqualTo(1.0);
  }

  @Test
  void oneFlushGivesEdgesButNoRatesYet() {
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 100, 0, 1, 0, 100).build());

    EdgeStats v1 = telemetry.traffic().edges().get(0);

    assertThat(v1.requests()).isZero();
    assertThat(v1.rate()).isZero();
    assertThat(v1.successRate()).isNull();
    assertThat(v1.p50Ms()).isNull();
    assertThat(v1.mtls()).isTrue();
  }

  @Test
  void statsOtherThanOutboundClustersAreDroppedOnReceipt() {
    List<io.prometheus.client.Metrics.MetricFamily> flush =
        new SinkFlush()
            .cluster("inbound|9080||", 50, 0, 50)
            .cluster("xds-grpc", 5, 0, 0)
            .cluster("PassthroughCluster", 7, 0, 0)
            .counter("http.outbound_0.0.0.0_9080.downstream_rq_total", 9)
            .counter(
                "cluster.outbound|9080|v1|reviews.default.svc.cluster.local.upstream_cx_total", 3)
            .build();
    telemetry.record(PRODUCTPAGE, flush);
    clock.advance(Duration.ofSeconds(3));
    telemetry.record(PRODUCTPAGE, flush);

    assertThat(telemetry.traffic().edges()).isEmpty();
    assertThat(SinkMetrics.outboundClusters(flush)).isEmpty();
  }

  @Test
  void aSilentProxyLeavesWithItsLastFlushAndOldFlushesLeaveTheWindow() {
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 100, 0, 1, 0, 100).build());
    clock.advance(Duration.ofSeconds(20));
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 200, 0, 1, 0, 200).build());
    clock.advance(Duration.ofSeconds(20));
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 260, 0, 1, 0, 260).build());

    // The first flush is 40 s old: the window (30 s) starts at the second.
    EdgeStats v1 = telemetry.traffic().edges().get(0);
    assertThat(v1.requests()).isEqualTo(60);
    assertThat(v1.rate()).isCloseTo(3.0, within(1e-9));
    assertThat(telemetry.traffic().reportingProxies()).containsExactly(PRODUCTPAGE.id());

    clock.advance(Duration.ofSeconds(31));
    assertThat(telemetry.traffic().edges()).isEmpty();
    assertThat(telemetry.traffic().reportingProxies()).isEmpty();
  }

  @Test
  void aRestartedSidecarsCountersAreCountedFromZero() {
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 5000, 0, 1, 0, 5000).build());
    clock.advance(Duration.ofSeconds(3));
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 30, 3, 1, 0, 30).build());

    EdgeStats v1 = telemetry.traffic().edges().get(0);
    assertThat(v1.requests()).isEqualTo(30);
    assertThat(v1.successRate()).isCloseTo(0.9, within(1e-9));
  }

  @Test
  void aNewStreamFromTheSameProxyStartsItsWindowAgain() {
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 100, 0, 1, 0, 100).build());
    clock.advance(Duration.ofSeconds(3));
    telemetry.opened(PRODUCTPAGE);
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 4, 0, 1, 0, 4).build());

    assertThat(telemetry.traffic().edges().get(0).requests())
        .as("one flush since the new stream")
        .isZero();
  }

  @Test
  void proxiesOfOneWorkloadAddUp() {
    ConnectedProxy second =
        proxy(
            "sidecar~198.18.0.3~productpage-v1.default~default.svc.cluster.local",
            "productpage-v1");
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 0, 0, 1, 0, 0).build());
    telemetry.record(second, new SinkFlush().cluster(V1, 0, 0, 0).build());
    clock.advance(Duration.ofSeconds(5));
    telemetry.record(PRODUCTPAGE, new SinkFlush().cluster(V1, 50, 0, 1, 0, 50).build());
    telemetry.record(second, new SinkFlush().cluster(V1, 150, 15, 0, 0, 0, 150).build());

    List<EdgeStats> edges = telemetry.traffic().edges();
    assertThat(edges).hasSize(1);
    assertThat(edges.get(0).requests()).isEqualTo(200);
    assertThat(edges.get(0).rate()).isCloseTo(40.0, within(1e-9));
    assertThat(edges.get(0).successRate()).isCloseTo(185.0 / 200, within(1e-9));
    // 50 samples in (0.5,1], 150 in (1,5]: rank 100 is the 50th of the second bucket.
    assertThat(edges.get(0).p50Ms()).isCloseTo(1.0 + 4.0 * 50 / 150, within(1e-9));
  }

  @Test
  void quantilesInterpolateInsideTheirBucketAsPrometheusDoes() {
    LatencyHistogram h = new LatencyHistogram(List.of(1.0, 5.0, 10.0), List.of(0L, 50L, 100L), 100);

    assertThat(h.quantile(0.5)).isCloseTo(5.0, within(1e-9));
    assertThat(h.quantile(0.99)).isCloseTo(9.9, within(1e-9));
    assertThat(new LatencyHistogram(List.of(1.0), List.of(0L), 4).quantile(0.99))
        .as("all above the last bound")
        .isEqualTo(1.0);
    assertThat(LatencyHistogram.EMPTY.quantile(0.5)).isNull();
  }
}
