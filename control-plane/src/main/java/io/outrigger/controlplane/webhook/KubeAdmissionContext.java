package io.outrigger.controlplane.webhook;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.injector.webhook.AdmissionContext;
import io.outrigger.injector.webhook.WebhookManifest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace labels and this revision's tags, read from the API server when a review arrives (pod
 * creation is rare next to the cost of a GET). When the API server cannot answer, the webhook
 * configuration's selectors, which already chose this revision, decide.
 */
public final class KubeAdmissionContext implements AdmissionContext {
  private static final Logger log = LoggerFactory.getLogger(KubeAdmissionContext.class);

  private final KubernetesClient client;
  private final String revision;

  public KubeAdmissionContext(KubernetesClient client, String revision) {
    this.client = client;
    this.revision = revision;
  }

  @Override
  public Optional<Map<String, String>> namespaceLabels(String namespace) {
    try {
      Namespace found = client.namespaces().withName(namespace).get();
      if (found == null) {
        return Optional.empty();
      }
      Map<String, String> labels = found.getMetadata().getLabels();
      return Optional.of(labels == null ? Map.of() : Map.copyOf(labels));
    } catch (KubernetesClientException e) {
      log.warn("event=namespace_lookup_failed namespace={} reason=\"{}\"", namespace, e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public Set<String> revisionTags() {
    try {
      Set<String> tags = new TreeSet<>();
      client.admissionRegistration().v1().mutatingWebhookConfigurations()
          .withLabel(WebhookManifest.REVISION_LABEL, revision).withLabel(WebhookManifest.TAG_LABEL).list()
          .getItems().forEach(c -> tags.add(c.getMetadata().getLabels().get(WebhookManifest.TAG_LABEL)));
      return tags;
    } catch (KubernetesClientException e) {
      log.warn("event=tag_lookup_failed revision={} reason=\"{}\"", revision, e.getMessage());
      return Set.of();
    }
  }
}
