package io.outrigger.injector.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.ControlPlaneAddress;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.sidecar.bootstrap.XdsTransport;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BootstrapJsonCacheTest {

  private final SidecarBootstrap bootstrap = new SidecarBootstrap();
  private final BootstrapJsonCache cache = new BootstrapJsonCache(bootstrap);

  private static BootstrapParams params(String workload, Map<String, String> labels) {
    return BootstrapParams.builder()
        .namespace("$(POD_NAMESPACE)")
        .podName("$(POD_NAME)")
        .instanceIp("$(INSTANCE_IP)")
        .serviceAccount("$(SERVICE_ACCOUNT)")
        .workloadName(workload)
        .labels(labels)
        .controlPlane(ControlPlaneAddress.parse("outrigger.outrigger-system.svc:15012"))
        .transport(XdsTransport.TLS_TOKEN)
        .tokenFile(Path.of("/var/run/secrets/tokens/outrigger-token"))
        .rootCertFile(Path.of("/var/run/secrets/outrigger/root-cert.pem"))
        .build();
  }

  @Test
  void equalInputsShareOneRenderingThatMatchesAFreshOne() {
    String first =
        cache.renderJson(params("reviews-v2", Map.of("app", "reviews", "version", "v2")));
    // Equal by value, built separately (labels in another map), as the next pod of a ReplicaSet is.
    String second =
        cache.renderJson(params("reviews-v2", Map.of("version", "v2", "app", "reviews")));

    assertThat(second).isSameAs(first);
    assertThat(first)
        .isEqualTo(
            bootstrap.renderJson(params("reviews-v2", Map.of("app", "reviews", "version", "v2"))));
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void differentLabelsOrWorkloadRenderTheirOwnBootstrap() {
    String v2 = cache.renderJson(params("reviews-v2", Map.of("app", "reviews", "version", "v2")));
    String v3 = cache.renderJson(params("reviews-v2", Map.of("app", "reviews", "version", "v3")));
    String other =
        cache.renderJson(params("ratings-v1", Map.of("app", "reviews", "version", "v2")));

    assertThat(v3).isNotEqualTo(v2).contains("\"version\":\"v3\"");
    assertThat(other).isNotEqualTo(v2).contains("ratings-v1");
    assertThat(cache.size()).isEqualTo(3);
  }

  @Test
  void holdsAtMostItsCapacityAndKeepsAnswering() {
    for (int i = 0; i < BootstrapJsonCache.CAPACITY + 50; i++) {
      String json = cache.renderJson(params("workload-" + i, Map.of("app", "a" + i)));
      assertThat(json).contains("workload-" + i);
    }
    assertThat(cache.size()).isEqualTo(BootstrapJsonCache.CAPACITY);
    // The oldest entry was evicted and is rendered again, correctly.
    assertThat(cache.renderJson(params("workload-0", Map.of("app", "a0")))).contains("workload-0");
  }
}
