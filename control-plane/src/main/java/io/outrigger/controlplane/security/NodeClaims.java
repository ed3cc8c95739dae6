package io.outrigger.controlplane.security;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Optional;

/**
 * Which workload a proxy says it is: node metadata NAMESPACE and NAME (what the sidecar bootstrap
 * writes), else the pod and namespace in Istio's node id {@code sidecar~ip~pod.ns~ns.svc...};
 * POD_UID when the bootstrap carries it (the injector sets it from the downward API). Only a claim:
 * admission checks it against the registry and the stream's authenticated identity.
 */
public record NodeClaims(
    String nodeId,
    String namespace,
    String name,
    Optional<String> serviceAccount,
    Optional<String> podUid) {

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
    return new NodeClaims(
        node.getId(),
        namespace,
        name,
        optional(metadata, "SERVICE_ACCOUNT"),
        optional(metadata, "POD_UID"));
  }

  public boolean complete() {
    return !namespace.isEmpty() && !name.isEmpty();
  }

  public String workloadKey() {
    return namespace + "/" + name;
  }

  private static Optional<String> optional(Struct metadata, String key) {
    String value = string(metadata, key);
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  private static String string(Struct metadata, String key) {
    Value v = metadata.getFieldsOrDefault(key, Value.getDefaultInstance());
    return v.getKindCase() == Value.KindCase.STRING_VALUE ? v.getStringValue() : "";
  }
}
