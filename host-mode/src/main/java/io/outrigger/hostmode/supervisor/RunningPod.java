package io.outrigger.hostmode.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.hostmode.manifest.PodPlan;
import io.outrigger.hostmode.pod.PodRuntime;
import io.outrigger.hostnet.PodSandbox;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import java.util.UUID;

/**
 * A pod of the mesh: its plan, its network namespace, its processes once started, and its
 * readiness.
 */
final class RunningPod {
  final PodPlan plan;
  final PodSandbox sandbox;

  /** metadata.uid: host mode is the API server and the kubelet, so it gives each pod its UID. */
  final String uid = UUID.randomUUID().toString();

  volatile PodRuntime runtime;
  volatile boolean ready;

  RunningPod(PodPlan plan, PodSandbox sandbox) {
    this.plan = plan;
    this.sandbox = sandbox;
  }

  String key() {
    return plan.namespace() + "/" + plan.name();
  }

  /** The xDS node id the injected bootstrap gives its sidecar, or null without one. */
  String nodeId() {
    return plan.sidecar()
        ? BootstrapParams.sidecarNodeId(sandbox.ip(), plan.name(), plan.namespace())
        : null;
  }

  /**
   * The Pod as the registry gets it: the injected pod with its status (IP, phase, Ready condition).
   */
  ObjectNode withStatus(String hostIp) {
    ObjectNode pod = plan.pod().deepCopy();
    ((ObjectNode) pod.with("metadata")).put("uid", uid);
    ObjectNode status = pod.putObject("status");
    status.put("phase", "Running");
    status.put("podIP", sandbox.ip());
    status.put("hostIP", hostIp);
    status
        .putArray("conditions")
        .addObject()
        .put("type", "Ready")
        .put("status", ready ? "True" : "False");
    return pod;
  }
}
