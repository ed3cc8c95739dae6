package io.outrigger.controlplane.webhook;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.outrigger.controlplane.kube.LeaderGatedTask;
import io.outrigger.injector.webhook.WebhookManifest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the mesh CA bundle in every webhook of this revision's Mutating- and
 * ValidatingWebhookConfigurations (those labeled {@code outrigger.io/rev=REVISION}, tags included),
 * so the API server trusts the certificate the control plane serves on its webhook port. It watches
 * them: a configuration created or edited later (a tag set, a chart upgrade) gets the bundle within
 * a moment.
 *
 * <p>A writer: {@link #start()} and {@link #stop()} exist so that only the leader of a revision's
 * replicas runs it.
 */
public final class WebhookCaBundles implements LeaderGatedTask, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebhookCaBundles.class);
  private static final long RESYNC_MILLIS = 60_000;

  private final KubernetesClient client;
  private final String revision;
  private final Supplier<String> caBundlePem;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  /**
   * @param caBundlePem the PEM the webhooks must trust (the mesh trust bundle), asked at each write
   */
  public WebhookCaBundles(KubernetesClient client, String revision, Supplier<String> caBundlePem) {
    this.client = client;
    this.revision = revision;
    this.caBundlePem = caBundlePem;
  }

  /** Starts watching and writing; does nothing when already started. */
  public synchronized void start() {
    if (!informers.isEmpty()) {
      return;
    }
    informers.add(
        client
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withLabel(WebhookManifest.REVISION_LABEL, revision)
            .inform(handler(this::ensure), RESYNC_MILLIS));
    informers.add(
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withLabel(WebhookManifest.REVISION_LABEL, revision)
            .inform(handler(this::ensure), RESYNC_MILLIS));
    log.info("event=webhook_ca_bundles_started revision={}", revision);
  }

  /** Stops writing (leadership lost, shutdown); the bundles written stay. */
  public synchronized void stop() {
    if (informers.isEmpty()) {
      return;
    }
    informers.forEach(SharedIndexInformer::stop);
    informers.clear();
    log.info("event=webhook_ca_bundles_stopped revision={}", revision);
  }

  @Override
  public String name() {
    return "webhook CA bundles of revision " + revision;
  }

  @Override
  public void startLeading() {
    start();
  }

  @Override
  public void stopLeading() {
    stop();
  }

  @Override
  public void close() {
    stop();
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> ensure) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        ensure.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        ensure.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        // Nothing to keep up to date.
      }
    };
  }

  private String encoded() {
    return Base64.getEncoder()
        .encodeToString(caBundlePem.get().getBytes(StandardCharsets.US_ASCII));
  }

  private void ensure(MutatingWebhookConfiguration config) {
    String bundle = encoded();
    if (config.getWebhooks() == null
        || current(config.getWebhooks().stream().map(h -> h.getClientConfig()), bundle)) {
      return;
    }
    write(
        "MutatingWebhookConfiguration",
        config.getMetadata().getName(),
        () ->
            client
                .admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(config.getMetadata().getName())
                .edit(
                    c -> {
                      c.getWebhooks().stream()
                          .filter(h -> h.getClientConfig() != null)
                          .forEach(h -> h.getClientConfig().setCaBundle(bundle));
                      return c;
                    }));
  }

  private void ensure(ValidatingWebhookConfiguration config) {
    String bundle = encoded();
    if (config.getWebhooks() == null
        || current(config.getWebhooks().stream().map(h -> h.getClientConfig()), bundle)) {
      return;
    }
    write(
        "ValidatingWebhookConfiguration",
        config.getMetadata().getName(),
        () ->
            client
                .admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(config.getMetadata().getName())
                .edit(
                    c -> {
                      c.getWebhooks().stream()
                          .filter(h -> h.getClientConfig() != null)
                          .forEach(h -> h.getClientConfig().setCaBundle(bundle));
                      return c;
                    }));
  }

  private static boolean current(Stream<WebhookClientConfig> clients, String bundle) {
    // A webhook without a client config is the API server's to refuse; there is nothing to write
    // into.
    return clients.allMatch(c -> c == null || Objects.equals(c.getCaBundle(), bundle));
  }

  private void write(String kind, String name, Runnable edit) {
    try {
      edit.run();
      log.info("event=webhook_ca_bundle_written kind={} name={} revision={}", kind, name, revision);
    } catch (KubernetesClientException e) {
      // The informer's resync (or the next change) tries again.
      log.warn(
          "event=webhook_ca_bundle_write_failed kind={} name={} revision={} reason=\"{}\"",
          kind,
          name,
          revision,
          e.getMessage());
    }
  }
}
