package io.outrigger.istiocompat;

import static org.awaitility.Awaitility.await;

import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.testsupport.EnvoyProcess;
import io.outrigger.testsupport.NetnsPod;
import java.time.Duration;

/**
 * A pod of the mesh: its network namespace (with capture rules and the app) and its sidecar Envoy.
 */
record MeshedPod(MeshWorkload workload, NetnsPod pod, EnvoyProcess sidecar) {
  String ip() {
    return pod.ip();
  }

  /** The xDS node id its bootstrap gives Envoy, which the control plane's debug pages key on. */
  String nodeId() {
    return BootstrapParams.sidecarNodeId(pod.ip(), workload.name(), workload.namespace());
  }

  /**
   * Waits until the sidecar's {@code /config_dump?resource=<resource>} (white space removed) holds
   * {@code text}: the config a test wrote has arrived.
   */
  void awaitInConfigDump(String resource, String text, Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .alias(workload.name() + "'s sidecar holds " + text + " in " + resource)
        .until(
            () ->
                sidecar
                    .admin()
                    .get("/config_dump?resource=" + resource)
                    .replaceAll("\\s", "")
                    .contains(text));
  }
}
