package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.testsupport.EnvoyExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * reviews in three versions behind one VIP, routed by {@code
 * samples/bookinfo/istio/reviews-canary-*}: header match first, then a weighted split, observed in
 * real traffic from productpage's pod.
 */
class CanaryRoutingTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload V1 = Bookinfo.REVIEWS_V1;
  private static final MeshWorkload V2 = Bookinfo.REVIEWS_V2;
  private static final MeshWorkload V3 = Bookinfo.REVIEWS_V3;
  private static final String CANARY_90_10 = "istio/reviews-canary-90-10.yaml";
  private static final String CANARY_50_50 = "../bookinfo-variants/reviews-canary-50-50.yaml";
  private static final String VIRTUAL_SERVICE_FILE = Bookinfo.REVIEWS_VIRTUAL_SERVICE_FILE;

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
  void canaryAtNinetyTen() {
    mesh.registry().write(VIRTUAL_SERVICE_FILE, RegistryDirectory.sample(CANARY_90_10));
    RouteWeights.awaitSplit(
        mesh.pod(PRODUCTPAGE.name()),
        ServiceAddress.REVIEWS.host(),
        List.of(90, 10),
        Duration.ofSeconds(10));
  }

  @AfterEach
  void sidecarsAcceptedEverything() {
    SidecarChecks.assertNoNackAndValid(mesh);
  }

  @Test
  void ninetyTenSplitHoldsWithinFourPointsOverAThousandRequests() {
    Map<String, Long> served = countByVersion(requests(Map.of(), 1000));

    assertThat(served.keySet()).containsOnly(V1.name(), V2.name());
    assertThat(share(served, V1.name())).as("share of v1 in %s", served).isBetween(86.0, 94.0);
    assertThat(share(served, V2.name())).as("share of v2 in %s", served).isBetween(6.0, 14.0);
  }

  @Test
  void jasonAlwaysReachesV3() {
    Map<String, Long> served = countByVersion(requests(Map.of("end-user", "jason"), 200));

    assertThat(served).containsOnlyKeys(V3.name());
    assertThat(countByVersion(requests(Map.of("end-user", "alice"), 100)))
        .doesNotContainKey(V3.name());
  }

  @Test
  void changingTheWeightsInTheFileShowsInTrafficWithinTwoSeconds() {
    long written = System.nanoTime();
    mesh.registry().write(VIRTUAL_SERVICE_FILE, RegistryDirectory.sample(CANARY_50_50));

    // 20 requests with >= 8 on v2: under 90/10 that has probability 0.0004, under 50/50 0.87.
    long observed = -1;
    while (System.nanoTime() - written < Duration.ofSeconds(10).toNanos()) {
      if (countByVersion(requests(Map.of(), 20)).getOrDefault(V2.name(), 0L) >= 8) {
        observed = System.nanoTime();
        break;
      }
    }
    assertThat(observed).as("the 50/50 split never showed in traffic within 10 s").isPositive();
    assertThat(Duration.ofNanos(observed - written))
        .as("from file write to new split in traffic")
        .isLessThanOrEqualTo(Duration.ofSeconds(2));
    Map<String, Long> served = countByVersion(requests(Map.of(), 400));
    assertThat(share(served, V2.name()))
        .as("share of v2 in %s after the change", served)
        .isBetween(40.0, 60.0);
  }

  private static List<EchoReply> requests(Map<String, String> headers, int count) {
    return PodHttp.echoMany(
        mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, headers, count);
  }

  private static Map<String, Long> countByVersion(List<EchoReply> replies) {
    return replies.stream().collect(Collectors.groupingBy(EchoReply::name, Collectors.counting()));
  }

  private static double share(Map<String, Long> served, String name) {
    long total = served.values().stream().mapToLong(Long::longValue).sum();
    return 100.0 * served.getOrDefault(name, 0L) / total;
  }
}
