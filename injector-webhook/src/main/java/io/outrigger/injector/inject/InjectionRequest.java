package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One pod to inject.
 *
 * @param pod the pod as the API server (or a manifest) has it; never modified
 * @param namespace the namespace it is created in
 * @param workloadName the owning workload's name when known (manifest templates), else null
 * @param namespaceLabels the namespace's labels when known; empty in the standalone webhook, whose
 *     selectors the API server already applied
 * @param revisionTags tags pointing at the injector's revision: selecting one selects the revision
 */
public record InjectionRequest(
    JsonNode pod,
    String namespace,
    String workloadName,
    Optional<Map<String, String>> namespaceLabels,
    Set<String> revisionTags) {

  public InjectionRequest {
    revisionTags = Set.copyOf(revisionTags);
  }

  /** A request with no tags known (offline injection, tests). */
  public InjectionRequest(
      JsonNode pod,
      String namespace,
      String workloadName,
      Optional<Map<String, String>> namespaceLabels) {
    this(pod, namespace, workloadName, namespaceLabels, Set.of());
  }

  /**
   * How messages name this pod: {@code ns/name}, {@code ns/generateName*}, or the workload's
   * template.
   */
  public String who() {
    JsonNode metadata = pod.path("metadata");
    if (workloadName != null
        && !metadata.hasNonNull("name")
        && !metadata.hasNonNull("generateName")) {
      return namespace + "/" + workloadName + " (pod template)";
    }
    return PodJson.describe(pod, namespace);
  }

  public static InjectionRequest forAdmission(JsonNode pod, String namespace) {
    return new InjectionRequest(pod, namespace, null, Optional.empty());
  }
}
