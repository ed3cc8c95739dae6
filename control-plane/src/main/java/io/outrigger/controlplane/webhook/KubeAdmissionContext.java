package io.outrigger.controlplane.webhook;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.injector.webhook.AdmissionContext;
import io.outrigger.injector.webhook.WebhookManifest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace labels and this revision's tags, read from the API server when a review arrives
 * (pod creation is rare next to the cost of a GET). When the API server cannot answer within {@link
 * #LOOKUP_TIMEOUT} (well inside the webhook's own 10 s, after which the API server would refuse the
 * pod), the webhook configuration's selectors, which already chose this revision, decide.
 */
public final class KubeAdmissionContext implements AdmissionContext {
  private static final Logger log = LoggerFactory.getLogger(KubeAdmissionContext.class);
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final String revision;

  public KubeAdmissionContext(KubernetesClient client, String revision) {
    this.client = client;
    this.revision = revision;
  }

  @Override
  public Optional<Map<String, String>> namespaceLabels(String namespace) {
    return bounded(
            "namespace " + namespace,
            () -> {
              Namespace found = client.namespaces().withName(namespace).get();
              if (found == null) {
                return Optional.<Map<String, String>>empty();
              }
              Map<String, String> labels = found.getMetadata().getLabels();
              return Optional.of(labels == null ? Map.<String, String>of() : Map.copyOf(labels));
            })
        .flatMap(labels -> labels);
  }

  @Override
  public Set<String> revisionTags() {
    return bounded(
            "tags of revision " + revision,
            () -> {
              Set<String> tags = new TreeSet<>();
              client
                  .admissionRegistration()
                  .v1()
                  .mutatingWebhookConfigurations()
                  .withLabel(WebhookManifest.REVISION_LABEL, revision)
                  .withLabel(WebhookManifest.TAG_LABEL)
                  .list()
                  .getItems()
                  .forEach(
                      c -> tags.add(c.getMetadata().getLabels().get(WebhookManifest.TAG_LABEL)));
              return Set.copyOf(tags);
            })
        .orElse(Set.of());
  }

  /**
   * The lookup's answer, or empty (logged) when the API server fails or is slower than the bound.
   */
  private static <T> Optional<T> bounded(String what, Supplier<T> lookup) {
    try {
      return Optional.of(
          CompletableFuture.supplyAsync(lookup, Thread::startVirtualThread)
              .get(LOOKUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      log.warn(
          "event=admission_lookup_failed what=\"{}\" reason=\"no answer within {} ms\"",
          what,
          LOOKUP_TIMEOUT.toMillis());
    } catch (ExecutionException e) {
      log.warn(
          "event=admission_lookup_failed what=\"{}\" reason=\"{}\"",
          what,
          e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Optional.empty();
  }
}
