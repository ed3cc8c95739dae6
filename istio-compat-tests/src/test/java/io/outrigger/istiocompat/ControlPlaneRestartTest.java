package io.outrigger.istiocompat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outrigger.testsupport.EnvoyExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The data plane does not depend on the control plane being up: with the control plane in its own
 * JVM killed by SIGKILL, sidecars keep their config while it is gone, and reconnect and resync when
 * it is back on the same address.
 */
class ControlPlaneRestartTest {
  @RegisterExtension static final EnvoyExtension ENVOYS = new EnvoyExtension();

  private static final MeshWorkload PRODUCTPAGE = Bookinfo.PRODUCTPAGE;
  private static final MeshWorkload REVIEWS = Bookinfo.REVIEWS_V1;

  /** Bound of the client loop. */
  private static final Duration MAX_LOOP = Duration.ofSeconds(90);

  private static HostModeMesh mesh;

  @BeforeAll
  static void startMesh() {
    mesh =
        HostModeMesh.start(
            ENVOYS,
            HostModeMesh.Options.DEFAULTS.inSeparateJvm(),
            List.of("istio/peerauthentication-strict.yaml"),
            List.of(PRODUCTPAGE, REVIEWS),
            List.of());
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  void trafficThroughTheSidecarsSurvivesAControlPlaneRestartAndTheSidecarsResync()
      throws Exception {
    TrafficLoop.Result result =
        TrafficLoop.around(
            mesh.pod(PRODUCTPAGE.name()).pod(),
            ServiceAddress.REVIEWS,
            MAX_LOOP,
            () -> {
              long streamFailuresBefore = streamFailures();
              mesh.controlPlane().stop();
              await()
                  .atMost(Duration.ofSeconds(15))
                  .alias("the sidecars' xDS streams fail while the control plane is down")
                  .until(() -> streamFailures() > streamFailuresBefore);
              Thread.sleep(3000);
              mesh.controlPlane().startAgain();
              // The restarted control plane knows nothing of them: in sync there means reconnected
              // and ACKed all.
              for (MeshedPod p : mesh.meshedPods()) {
                // Its monitoring port may open a moment after the xDS port: ignore refusals while
                // it comes up.
                await()
                    .atMost(Duration.ofSeconds(45))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .alias(p.workload().name() + "'s sidecar reconnected and ACKed everything")
                    .until(() -> mesh.controlPlane().syncz().inSync(p.nodeId()));
              }
            });
    System.out.printf("FAULT control-plane-sigkill-restart: %s%n", result);
    assertThat(result.failed()).as("failed requests during the restart: %s", result).isZero();
    assertThat(result.ranUntilStopped())
        .as("the client sent until the restart was over: %s", result)
        .isTrue();
    assertThat(result.sent())
        .as("requests sent through the sidecars during the restart")
        .isGreaterThan(500);
    assertThat(
            PodHttp.echo(mesh.pod(PRODUCTPAGE.name()).pod(), ServiceAddress.REVIEWS, "/", Map.of())
                .header("x-forwarded-client-cert"))
        .as("still mutual TLS after the resync")
        .isPresent();
    SidecarChecks.assertNoNackAndValid(mesh);
  }

  /**
   * Failed xDS stream attempts over all sidecars ({@code cluster_manager.cds.update_failure} counts
   * them).
   */
  private static long streamFailures() {
    return mesh.meshedPods().stream()
        .mapToLong(p -> p.sidecar().admin().stat("cluster_manager.cds.update_failure"))
        .sum();
  }
}
