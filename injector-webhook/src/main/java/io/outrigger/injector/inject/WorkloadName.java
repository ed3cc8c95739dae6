package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The workload a pod belongs to, which names the sidecar's Envoy cluster ({@code <workload>.<ns>}).
 */
final class WorkloadName {

  private static final List<String> LABELS =
      List.of("service.istio.io/canonical-name", "app.kubernetes.io/name", "app");

  static final String UNKNOWN = "unknown";

  private WorkloadName() {}

  static String of(JsonNode pod, Map<String, String> labels) {
    for (String key : LABELS) {
      String value = labels.get(key);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    JsonNode metadata = pod.path("metadata");
    // Only string fields name a workload: a review carrying an object there (never the API
    // server's) gets
    // "unknown" rather than an empty name the bootstrap refuses (found by AdmissionReviewFuzzTest).
    String generateName = text(metadata.path("generateName"));
    if (!generateName.isEmpty()) {
      // A ReplicaSet's pods are named <deployment>-<pod-template-hash>-: drop the hash too.
      String base =
          generateName.endsWith("-")
              ? generateName.substring(0, generateName.length() - 1)
              : generateName;
      String hash = labels.get("pod-template-hash");
      if (hash != null && base.endsWith("-" + hash)) {
        base = base.substring(0, base.length() - hash.length() - 1);
      }
      if (!base.isBlank()) {
        return base;
      }
    }
    String name = text(metadata.path("name"));
    return name.isBlank() ? UNKNOWN : name;
  }

  private static String text(JsonNode node) {
    return node.isTextual() ? node.asText() : "";
  }
}
