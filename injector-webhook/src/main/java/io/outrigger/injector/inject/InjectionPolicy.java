package io.outrigger.injector.inject;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.sidecar.MeshKeys;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Decides whether a pod gets a sidecar, in Istio's terms so existing clusters keep working. In the
 * standalone webhook the namespace labels are unknown: the API server already applied the namespace
 * selector of the MutatingWebhookConfiguration, so reaching the webhook means the namespace opted
 * in (or the pod did, through the object selector). When the labels are known (the webhook hosted
 * by the control plane, which reads them) the decision is checked again here: a revision injects
 * only the pods of namespaces that select it (or one of its tags), and {@code injection=enabled}
 * selects the revision {@value #DEFAULT_REVISION}.
 */
public final class InjectionPolicy {

  /**
   * The revision that {@code outrigger.io/injection=enabled}, {@code outrigger-injection=enabled}
   * and {@code istio-injection=enabled} select.
   */
  public static final String DEFAULT_REVISION = "default";

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
      return Decision.skip(
          SkipReason.HOST_NETWORK,
          who + " uses hostNetwork: a sidecar would capture the node's traffic");
    }
    if (config.neverInjectNamespaces().contains(namespace)) {
      return Decision.skip(
          SkipReason.PROTECTED_NAMESPACE,
          who + " is in namespace " + namespace + ", which is never injected");
    }
    if (PodJson.annotation(pod, MeshKeys.STATUS).isPresent()) {
      return Decision.skip(
          SkipReason.ALREADY_INJECTED,
          who + " already has an Outrigger sidecar (" + MeshKeys.STATUS + " is set)");
    }
    if (PodJson.annotation(pod, MeshKeys.ISTIO_STATUS).isPresent()) {
      return Decision.skip(
          SkipReason.ISTIO_INJECTED,
          who
              + " was injected by Istio ("
              + MeshKeys.ISTIO_STATUS
              + " is set): remove Istio's sidecar before meshing it with Outrigger");
    }
    Optional<String> podRevision =
        PodJson.label(pod, MeshKeys.REVISION).or(() -> PodJson.label(pod, MeshKeys.ISTIO_REVISION));
    if (podRevision.isPresent() && !ours(podRevision.get(), request)) {
      return Decision.skip(
          SkipReason.REVISION_MISMATCH,
          who
              + " asks for revision "
              + podRevision.get()
              + ", this injector serves "
              + served(request));
    }
    Optional<String> namespaceRevision = namespaceLabels.flatMap(InjectionPolicy::selectedRevision);
    if (podRevision.isEmpty()
        && namespaceRevision.isPresent()
        && !ours(namespaceRevision.get(), request)) {
      return Decision.skip(
          SkipReason.REVISION_MISMATCH,
          who
              + ": namespace "
              + namespace
              + " selects revision "
              + namespaceRevision.get()
              + ", this injector serves "
              + served(request));
    }
    Optional<String> podChoice = PodJson.labelOrAnnotation(pod, MeshKeys.INJECT);
    if (podChoice.isPresent()) {
      if ("true".equalsIgnoreCase(podChoice.get())) {
        return Decision.inject(who + " asks for a sidecar (" + MeshKeys.INJECT + "=true)");
      }
      return Decision.skip(
          SkipReason.OPTED_OUT,
          who + " opted out (" + MeshKeys.INJECT + "=" + podChoice.get() + ")");
    }
    if (podRevision.isPresent()) {
      return Decision.inject(who + " selects revision " + podRevision.get());
    }
    if (namespaceLabels.isEmpty()) {
      return Decision.inject(who + " matched the webhook's selectors");
    }
    if (namespaceRevision.isEmpty()) {
      return Decision.skip(
          SkipReason.NAMESPACE_NOT_ENABLED,
          who + ": namespace " + namespace + " does not enable injection");
    }
    return Decision.inject(
        who + ": namespace " + namespace + " selects revision " + namespaceRevision.get());
  }

  /**
   * The revision (or tag) a namespace selects, in the webhook configuration's order: an injection
   * label set to {@code enabled} selects the default revision and wins over a revision label.
   */
  public static Optional<String> selectedRevision(Map<String, String> labels) {
    for (String key :
        new String[] {
          MeshKeys.NAMESPACE_INJECTION,
          MeshKeys.SHORT_NAMESPACE_INJECTION,
          MeshKeys.ISTIO_NAMESPACE_INJECTION
        }) {
      if (labels.containsKey(key)) {
        return "enabled".equals(labels.get(key)) ? Optional.of(DEFAULT_REVISION) : Optional.empty();
      }
    }
    return Optional.ofNullable(
        labels.getOrDefault(MeshKeys.REVISION, labels.get(MeshKeys.ISTIO_REVISION)));
  }

  private boolean ours(String revision, InjectionRequest request) {
    return revision.equals(config.revision()) || request.revisionTags().contains(revision);
  }

  private String served(InjectionRequest request) {
    return request.revisionTags().isEmpty()
        ? config.revision()
        : config.revision()
            + " (tags "
            + String.join(", ", new TreeSet<>(request.revisionTags()))
            + ")";
  }
}
