package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a pod gets a sidecar, in Istio's terms so existing clusters keep working. In the
 * webhook the namespace labels are unknown: the API server already applied the namespace selector
 * of the MutatingWebhookConfiguration, so reaching the webhook means the namespace opted in (or the
 * pod did, through the object selector).
 */
public final class InjectionPolicy {

  private final InjectorConfig config;

  public InjectionPolicy(InjectorConfig config) {
    this.config = config;
  }

  public Decision decide(InjectionRequest request) {
    JsonNode pod = request.pod();
    String namespace = request.namespace();
    Optional<Map<String, String>> namespaceLabels = request.namespaceLabels();
    String who = "pod " + request.who();
    if (pod.path("spec").path("hostNetwork").asBoolean(false)) {
      return Decision.skip(SkipReason.HOST_NETWORK,
          who + " uses hostNetwork: a sidecar would capture the node's traffic");
    }
    if (config.neverInjectNamespaces().contains(namespace)) {
      return Decision.skip(SkipReason.PROTECTED_NAMESPACE,
          who + " is in namespace " + namespace + ", which is never injected");
    }
    if (PodJson.annotation(pod, MeshKeys.STATUS).isPresent()) {
      return Decision.skip(SkipReason.ALREADY_INJECTED,
          who + " already has an Outrigger sidecar (" + MeshKeys.STATUS + " is set)");
    }
    if (PodJson.annotation(pod, MeshKeys.ISTIO_STATUS).isPresent()) {
      return Decision.skip(SkipReason.ISTIO_INJECTED,
          who + " was injected by Istio (" + MeshKeys.ISTIO_STATUS
              + " is set): remove Istio's sidecar before meshing it with Outrigger");
    }
    Optional<String> podRevision =
        PodJson.label(pod, MeshKeys.REVISION).or(() -> PodJson.label(pod, MeshKeys.ISTIO_REVISION));
    if (podRevision.isPresent() && !podRevision.get().equals(config.revision())) {
      return Decision.skip(SkipReason.REVISION_MISMATCH,
          who + " asks for revision " + podRevision.get() + ", this injector serves "
              + config.revision());
    }
    Optional<String> podChoice = PodJson.labelOrAnnotation(pod, MeshKeys.INJECT);
    if (podChoice.isPresent()) {
      if ("true".equalsIgnoreCase(podChoice.get())) {
        return Decision.inject(who + " asks for a sidecar (" + MeshKeys.INJECT + "=true)");
      }
      return Decision.skip(SkipReason.OPTED_OUT,
          who + " opted out (" + MeshKeys.INJECT + "=" + podChoice.get() + ")");
    }
    if (podRevision.isPresent()) {
      return Decision.inject(who + " selects revision " + podRevision.get());
    }
    return namespaceLabels
        .map(labels -> namespaceDecision(who, namespace, labels))
        .orElseGet(() -> Decision.inject(who + " matched the webhook's selectors"));
  }

  private Decision namespaceDecision(String who, String namespace, Map<String, String> labels) {
    String enabled = "enabled";
    if (enabled.equals(labels.get(MeshKeys.NAMESPACE_INJECTION))
        || enabled.equals(labels.get(MeshKeys.ISTIO_NAMESPACE_INJECTION))) {
      return Decision.inject(who + ": namespace " + namespace + " has injection enabled");
    }
    String revision = labels.getOrDefault(MeshKeys.REVISION, labels.get(MeshKeys.ISTIO_REVISION));
    if (config.revision().equals(revision)) {
      return Decision.inject(who + ": namespace " + namespace + " selects revision " + revision);
    }
    return Decision.skip(SkipReason.NAMESPACE_NOT_ENABLED,
        who + ": namespace " + namespace + " does not enable injection");
  }
}
