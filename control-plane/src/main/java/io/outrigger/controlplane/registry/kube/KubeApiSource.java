package io.outrigger.controlplane.registry.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.outrigger.controlplane.kube.KubeConnection;
import io.outrigger.controlplane.registry.ConfigKind;
import io.outrigger.controlplane.registry.ConfigKinds;
import io.outrigger.controlplane.registry.ConfigObject;
import io.outrigger.controlplane.registry.ObjectKey;
import io.outrigger.controlplane.registry.ObjectSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes API as a source of config objects: one fabric8 informer per {@link ConfigKinds
 * kind}, in every namespace. The informers' stores are the objects in force. fabric8 reconnects a
 * broken watch and lists again when its resource version is too old; while it does, the stores, and
 * so the model, stay as last seen. Every error is retried (with fabric8's backoff) rather than
 * ending an informer.
 */
public final class KubeApiSource implements ObjectSource {
  private static final Logger log = LoggerFactory.getLogger(KubeApiSource.class);
  static final String SOURCE = "kubernetes";

  private final KubeConnection connection;
  private final Duration resync;
  private final Duration syncTimeout;
  private final Map<ConfigKind<?>, SharedIndexInformer<? extends HasMetadata>> informers =
      new LinkedHashMap<>();
  private final Map<ConfigKind<?>, AtomicReference<String>> lastErrors = new LinkedHashMap<>();
  private KubernetesClient client;

  /**
   * @param resync how often the informers replay their stores (a safety net; replays that change
   *     nothing are dropped before they reach the model)
   * @param syncTimeout how long {@link #start} waits for every kind's initial list
   */
  public KubeApiSource(KubeConnection connection, Duration resync, Duration syncTimeout) {
    this.connection = Objects.requireNonNull(connection);
    this.resync = resync;
    this.syncTimeout = syncTimeout;
  }

  @Override
  public synchronized void start(Runnable onChange) {
    client = connection.newClient();
    List<CompletableFuture<Void>> synced = new ArrayList<>();
    for (ConfigKind<?> kind : ConfigKinds.ALL) {
      synced.add(inform(kind, onChange));
    }
    long deadline = System.nanoTime() + syncTimeout.toNanos();
    try {
      for (CompletableFuture<Void> sync : synced) {
        sync.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (TimeoutException | ExecutionException e) {
      String unsynced =
          informers.entrySet().stream()
              .filter(i -> !i.getValue().hasSynced())
              .map(i -> i.getKey() + lastErrors.get(i.getKey()).get())
              .reduce((a, b) -> a + ", " + b)
              .orElse(e.toString());
      close();
      throw new IllegalArgumentException(
          "kube registry ("
              + connection.describe()
              + "): could not list "
              + unsynced
              + " within "
              + syncTimeout.toSeconds()
              + "s",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("kube registry: interrupted while listing", e);
    }
    log.info(
        "event=kube_registry_synced connection=\"{}\" objects={}",
        connection.describe(),
        contents().objects().size());
  }

  private <R extends HasMetadata> CompletableFuture<Void> inform(
      ConfigKind<R> kind, Runnable onChange) {
    AtomicReference<String> lastError = new AtomicReference<>("");
    lastErrors.put(kind, lastError);
    var resources = client.resources(kind.type());
    SharedIndexInformer<R> informer =
        (kind.namespaced() ? resources.inAnyNamespace() : resources)
            .runnableInformer(resync.toMillis())
            .itemStore(new LeanItemStore<>());
    informer.exceptionHandler(
        (started, error) -> {
          // Missing RBAC, a CRD not installed yet, the API server restarting: retried, never fatal.
          lastError.set(" (last error: " + error.getMessage() + ")");
          log.warn(
              "event=kube_watch_error kind={} started={} retrying=true error=\"{}\"",
              kind.kind(),
              started,
              error.getMessage());
          return true;
        });
    informer.addEventHandler(
        new ResourceEventHandler<R>() {
          @Override
          public void onAdd(R object) {
            onChange.run();
          }

          @Override
          public void onUpdate(R before, R after) {
            // A resync replays every object unchanged: nothing to assemble.
            if (!Objects.equals(
                before.getMetadata().getResourceVersion(),
                after.getMetadata().getResourceVersion())) {
              onChange.run();
            }
          }

          @Override
          public void onDelete(R object, boolean finalStateUnknown) {
            onChange.run();
          }
        });
    informers.put(kind, informer);
    return informer.start().toCompletableFuture();
  }

  @Override
  public Contents contents() {
    List<ConfigObject> objects = new ArrayList<>();
    synchronized (this) {
      informers.forEach(
          (kind, informer) -> {
            for (HasMetadata object : informer.getStore().list()) {
              var metadata = object.getMetadata();
              String namespace = metadata.getNamespace() == null ? "" : metadata.getNamespace();
              objects.add(
                  new ConfigObject(
                      new ObjectKey(kind.kind(), namespace, metadata.getName()),
                      object,
                      SOURCE,
                      ConfigObject.Origin.KUBERNETES));
            }
          });
    }
    return new Contents(objects, List.of());
  }

  @Override
  public synchronized void close() {
    informers.values().forEach(SharedIndexInformer::stop);
    informers.clear();
    if (client != null) {
      client.close();
      client = null;
    }
  }

  @Override
  public String toString() {
    return "kube (" + connection.describe() + ")";
  }
}
