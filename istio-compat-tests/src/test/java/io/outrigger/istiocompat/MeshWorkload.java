package io.outrigger.istiocompat;

import io.outrigger.certs.SpiffeId;
import io.outrigger.certs.WorkloadIdentity;
import java.util.Map;

/**
 * One workload of the test mesh: its WorkloadEntry name (also its pod's name), namespace, service
 * account (its identity) and labels, and the port its app listens on.
 */
record MeshWorkload(
    String name, String namespace, String serviceAccount, Map<String, String> labels, int port) {
  static final String NAMESPACE = "bookinfo";
  static final int APP_PORT = 9080;

  /**
   * A bookinfo workload as {@code samples/bookinfo/deployments.yaml} declares it: app and version
   * labels.
   */
  static MeshWorkload bookinfo(String app, String version) {
    return new MeshWorkload(
        app + "-" + version,
        NAMESPACE,
        "bookinfo-" + app,
        Map.of("app", app, "version", version),
        APP_PORT);
  }

  WorkloadIdentity identity() {
    return new WorkloadIdentity(namespace, serviceAccount);
  }

  /** The SPIFFE ID its sidecar's certificate carries. */
  String spiffeId(String trustDomain) {
    return SpiffeId.of(trustDomain, identity()).uri();
  }
}
