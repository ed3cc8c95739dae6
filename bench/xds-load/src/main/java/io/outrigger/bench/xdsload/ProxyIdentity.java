package io.outrigger.bench.xdsload;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;

/** Who a simulated sidecar claims to be: the same node shape the sidecar bootstrap gives Envoy. */
record ProxyIdentity(
    String namespace,
    String workload,
    String serviceAccount,
    String ip,
    Map<String, String> labels) {

  Node node() {
    Struct.Builder labelStruct = Struct.newBuilder();
    labels.forEach((k, v) -> labelStruct.putFields(k, string(v)));
    Struct metadata =
        Struct.newBuilder()
            .putFields("NAMESPACE", string(namespace))
            .putFields("NAME", string(workload))
            .putFields("SERVICE_ACCOUNT", string(serviceAccount))
            .putFields("INSTANCE_IPS", string(ip))
            .putFields("LABELS", Value.newBuilder().setStructValue(labelStruct).build())
            .putFields("OUTRIGGER_VERSION", string("bench"))
            .build();
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
        .setMetadata(metadata)
        .build();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
