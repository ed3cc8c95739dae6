package io.outrigger.controlplane.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.controlplane.model.ConfigError;
import io.outrigger.controlplane.registry.ConfigKind;
import io.outrigger.controlplane.registry.ConfigKinds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Config errors as Kubernetes Events (type Warning, reason {@value #REASON}) on the offending
 * object, so {@code kubectl describe virtualservice reviews} says why it is ignored. One Event per
 * object and reason, with a name derived from both: a persistent error is written once, then its
 * count is bumped at most every {@link #REPEAT} while it lasts (by whichever replica leads, as the
 * name is the same). Objects that are not in the API server (a file-registry object) get no Event.
 * Leader only.
 */
public final class ConfigErrorEvents implements LeaderGatedTask {
  public static final String REASON = "InvalidConfig";
  public static final String COMPONENT = "outrigger-control-plane";
  static final Duration REPEAT = Duration.ofMinutes(10);
  private static final Logger log = LoggerFactory.getLogger(ConfigErrorEvents.class);

  private final KubernetesClient client;
  private final String instance;
  private final Clock clock;
  private final Map<ConfigError, Instant> written = new ConcurrentHashMap<>();
  private volatile List<ConfigError> current = List.of();
  private final LeaderWriter writer = new LeaderWriter("outrigger-config-error-events");

  /**
   * @param instance this replica's name in the Events it writes ({@code reportingInstance})
   */
  public ConfigErrorEvents(KubernetesClient client, String instance, Clock clock) {
    this.client = client;
    this.instance = instance;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "config-error-events";
  }

  /** The model's errors now (every snapshot); written when leading. */
  public synchronized void errorsChanged(List<ConfigError> errors) {
    current = List.copyOf(errors);
    syncLater();
  }

  @Override
  public synchronized void startLeading() {
    writer.start();
    syncLater();
  }

  @Override
  public synchronized void stopLeading() {
    writer.stop();
  }

  private void syncLater() {
    writer.submit(this::sync);
  }

  private void sync() {
    List<ConfigError> errors = current;
    written.keySet().retainAll(errors);
    Instant now = clock.instant();
    for (ConfigError error : errors) {
      Instant last = written.get(error);
      if (last == null || !now.isBefore(last.plus(REPEAT))) {
        written.put(error, now);
        write(error, now);
      }
    }
  }

  private void write(ConfigError error, Instant now) {
    String apiVersion = ConfigKinds.named(error.kind()).map(ConfigKind::apiVersion).orElse(null);
    if (apiVersion == null || error.namespace() == null || error.namespace().isEmpty()) {
      return;
    }
    try {
      Optional<GenericKubernetesResource> object =
          Optional.ofNullable(
              client
                  .genericKubernetesResources(apiVersion, error.kind())
                  .inNamespace(error.namespace())
                  .withName(error.name())
                  .get());
      if (object.isEmpty()) {
        log.debug(
            "event=config_error_event_skipped object=\"{} {}/{}\" reason=not_in_api_server",
            error.kind(),
            error.namespace(),
            error.name());
        return;
      }
      String name = eventName(error);
      String timestamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
      var events = client.v1().events().inNamespace(error.namespace());
      Event existing = events.withName(name).get();
      if (existing == null) {
        events
            .resource(
                new EventBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(error.namespace())
                    .endMetadata()
                    .withNewInvolvedObject()
                    .withApiVersion(apiVersion)
                    .withKind(error.kind())
                    .withNamespace(error.namespace())
                    .withName(error.name())
                    .withUid(object.get().getMetadata().getUid())
                    .withResourceVersion(object.get().getMetadata().getResourceVersion())
                    .endInvolvedObject()
                    .withType("Warning")
                    .withReason(REASON)
                    .withMessage(error.message())
                    .withNewSource()
                    .withComponent(COMPONENT)
                    .endSource()
                    .withReportingComponent(COMPONENT)
                    .withReportingInstance(instance)
                    .withFirstTimestamp(timestamp)
                    .withLastTimestamp(timestamp)
                    .withCount(1)
                    .build())
            .create();
      } else {
        events
            .withName(name)
            .edit(
                e ->
                    new EventBuilder(e)
                        .withMessage(error.message())
                        .withCount(e.getCount() == null ? 2 : e.getCount() + 1)
                        .withLastTimestamp(timestamp)
                        .withReportingInstance(instance)
                        .build());
      }
      log.info(
          "event=config_error_event_written object=\"{} {}/{}\" event={}",
          error.kind(),
          error.namespace(),
          error.name(),
          name);
    } catch (KubernetesClientException e) {
      written.remove(error);
      log.warn(
          "event=config_error_event_failed object=\"{} {}/{}\" code={} error=\"{}\"",
          error.kind(),
          error.namespace(),
          error.name(),
          e.getCode(),
          e.getMessage());
    }
  }

  /** {@code <object>.<hash of kind and reason>}: the same error always names the same Event. */
  static String eventName(ConfigError error) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((error.kind() + "\n" + error.reason()).getBytes(StandardCharsets.UTF_8));
      String base = error.name().length() > 200 ? error.name().substring(0, 200) : error.name();
      return base + "." + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
