package io.outrigger.istiocompat;

import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.testsupport.EnvoyProcess;
import io.outrigger.testsupport.NetnsPod;

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
}
