package io.outrigger.hostmode.manifest;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A pod to run: its name (a Pod's own, or {@code <deployment>-<index>}), the Deployment owning it
 * (or null), and the pod as the injector returned it (the sidecar added when it decided so).
 */
public record PodPlan(
    String namespace, String name, String owner, ObjectNode pod, boolean sidecar) {

  public String describe() {
    return "Pod " + namespace + "/" + name;
  }
}
