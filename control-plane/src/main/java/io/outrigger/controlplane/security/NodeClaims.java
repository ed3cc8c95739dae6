package io.outrigger.controlplane.security;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Optional;

/**
 * Which workload a proxy says it is: node metadata NAMESPACE and NAME (what the sidecar bootstrap
 * writes), else the pod and namespace in Istio's node id {@code sidecar~ip~pod.ns~ns.svc...}.
 * Only a claim: admission checks it against the registry and the stream's authenticated identity.
 */
public record NodeClaims(String nodeId, String namespace, String name, Optional<String> serviceAccount) {

  public static NodeClaims of(Node node) {
    Struct metadata = node.getMetadata();
    String namespace = string(metadata, "NAMESPACE");
    String name = string(metadata, "NAME");
    if (namespace.isEmpty() || name.isEmpty()) {
      String[] parts = node.getId().split("~");
      if (parts.length == 4 && parts[2].contains(".")) {
        int dot = parts[2].lastIndexOf('.');
        name = name.isEmpty() ? parts[2].substring(0, dot) : name;
        namespace = namespace.isEmpty() ? parts[2].substring(dot + 1) : namespace;
      }
    }
    String sa = string(metadata, "SERVICE_ACCOUNT");
    return new NodeClaims(
        node.getId(), namespace, name, sa.isEmpty() ? Optional.empty() : Optional.of(sa));
  }

  public boolean complete() {
    return !namespace.isEmpty() && !name.isEmpty();
  }

  public String workloadKey() {
    return namespace + "/" + name;
  }

  private static String string(Struct metadata, String key) {
    Value v = metadata.getFieldsOrDefault(key, Value.getDefaultInstance());
    return v.getKindCase() == Value.KindCase.STRING_VALUE ? v.getStringValue() : "";
  }
}
