package io.outrigger.bench.xdsload;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;

/**
 * Who a simulated sidecar claims to be: the same node shape the sidecar bootstrap gives Envoy
 * (metadata NAMESPACE, NAME, POD_UID when known, WORKLOAD_NAME, SERVICE_ACCOUNT, LABELS,
 * INSTANCE_IPS; Istio's node id), and, on the TLS port, the token it proves it with. The node also
 * carries what Istio's agent adds for istiod (CLUSTER_ID, ISTIO_VERSION, INTERCEPTION_MODE,
 * MESH_ID, POD_PORTS), so that the same fleet gets a whole sidecar config from istiod (the
 * side-by-side benchmark); Outrigger ignores those keys.
 *
 * @param workload the pod (or file-registry workload instance) name: metadata NAME
 * @param ip the pod's IP: in the node, and the address the proxy dials from on the TLS port
 * @param podUid the pod's UID (the injector's POD_UID from the downward API); null in the file
 *     registry, which has none
 * @param token the pod-bound service-account token (TokenRequest, audience {@code outrigger}) sent
 *     as {@code authorization: Bearer} on the TLS port; null on the plaintext port
 */
record ProxyIdentity(
    String namespace,
    String workload,
    String serviceAccount,
    String ip,
    Map<String, String> labels,
    String podUid,
    String token) {

  /** istiod's default cluster ID: a proxy of another cluster would not find its pod. */
  static final String ISTIO_CLUSTER_ID = "Kubernetes";

  /** The Istio release built by scripts/istio/build.sh, as its agent would report it. */
  static final String ISTIO_VERSION = "1.31.0";

  /** A file-registry workload on the plaintext port: no UID, no token. */
  ProxyIdentity(
      String namespace,
      String workload,
      String serviceAccount,
      String ip,
      Map<String, String> labels) {
    this(namespace, workload, serviceAccount, ip, labels, null, null);
  }

  ProxyIdentity withToken(String value) {
    return new ProxyIdentity(namespace, workload, serviceAccount, ip, labels, podUid, value);
  }

  Node node() {
    Struct.Builder labelStruct = Struct.newBuilder();
    labels.forEach((k, v) -> labelStruct.putFields(k, string(v)));
    Struct.Builder metadata =
        Struct.newBuilder()
            .putFields("NAMESPACE", string(namespace))
            .putFields("NAME", string(workload));
    if (podUid != null) {
      metadata.putFields("POD_UID", string(podUid));
    }
    metadata
        .putFields("WORKLOAD_NAME", string(labels.getOrDefault("app", workload)))
        .putFields("SERVICE_ACCOUNT", string(serviceAccount))
        .putFields("LABELS", Value.newBuilder().setStructValue(labelStruct).build())
        .putFields("INSTANCE_IPS", string(ip))
        .putFields("OUTRIGGER_VERSION", string("bench"))
        .putFields("CLUSTER_ID", string(ISTIO_CLUSTER_ID))
        .putFields("ISTIO_VERSION", string(ISTIO_VERSION))
        .putFields("INTERCEPTION_MODE", string("REDIRECT"))
        .putFields("MESH_ID", string("cluster.local"))
        .putFields(
            "POD_PORTS",
            string(
                "[{\"name\":\"http\",\"containerPort\":"
                    + KubeMesh.PORT
                    + ",\"protocol\":\"TCP\"}]"));
    return Node.newBuilder()
        .setId(
            "sidecar~"
                + ip
                + "~"
                + workload
                + "."
                + namespace
                + "~"
                + namespace
                + ".svc.cluster.local")
        .setCluster(workload + "." + namespace)
        .setMetadata(metadata.build())
        .build();
  }

  /** Never the token: it is a credential. */
  @Override
  public String toString() {
    return namespace + "/" + workload + (token == null ? "" : " (token)");
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
