package io.outrigger.controlplane.model;

import java.util.Map;

/**
 * The proxy asking for config: its xDS node id and the registry workload it was matched to. Its
 * identity ({@code ns/sa}) is the workload's, which the xDS layer has checked against the caller's
 * token.
 */
public record ProxyNode(String id, Workload workload) {
  public String namespace() {
    return workload.namespace();
  }

  public String ip() {
    return workload.address();
  }

  public Map<String, String> labels() {
    return workload.labels();
  }

  public String identity() {
    return workload.identity();
  }

  /** Istio's sidecar node id shape, {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local}. */
  public static ProxyNode sidecar(Workload workload) {
    String id =
        "sidecar~"
            + workload.address()
            + "~"
            + workload.name()
            + "."
            + workload.namespace()
            + "~"
            + workload.namespace()
            + ".svc."
            + Hostnames.DOMAIN_SUFFIX;
    return new ProxyNode(id, workload);
  }
}
