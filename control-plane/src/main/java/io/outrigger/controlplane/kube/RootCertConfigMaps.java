package io.outrigger.controlplane.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps ConfigMap {@code outrigger-ca-root-cert} (key {@code root-cert.pem}: the mesh trust bundle,
 * every root in force) in every namespace: created for a new namespace, recreated when deleted,
 * rewritten when edited or when the root rotates. Only ConfigMaps carrying our label are ever
 * written: a ConfigMap of that name that someone else owns is left alone (and logged). Leader only;
 * writes are serialized on one thread.
 */
public final class RootCertConfigMaps implements LeaderGatedTask {
  public static final String NAME = "outrigger-ca-root-cert";
  public static final String KEY = "root-cert.pem";

  /** What marks the ConfigMap as ours; nothing without it is touched. */
  public static final Map<String, String> LABELS =
      Map.of("app.kubernetes.io/managed-by", "outrigger", "outrigger.io/config", "ca-root-cert");

  private static final Logger log = LoggerFactory.getLogger(RootCertConfigMaps.class);
  private static final long RESYNC_MILLIS = 5 * 60_000;

  private final KubernetesClient client;
  private final Supplier<String> bundlePem;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  /**
   * Namespaces whose foreign ConfigMap was already logged: one line each, not one per informer
   * event.
   */
  private final Set<String> foreignLogged = ConcurrentHashMap.newKeySet();

  private final LeaderWriter writer = new LeaderWriter("outrigger-root-cert-configmaps");
  private SharedIndexInformer<Namespace> namespaces;
  private SharedIndexInformer<ConfigMap> configMaps;

  /**
   * @param bundlePem the trust bundle now (read at every write, so a rotation is seen at once)
   */
  public RootCertConfigMaps(KubernetesClient client, Supplier<String> bundlePem) {
    this.client = client;
    this.bundlePem = bundlePem;
  }

  @Override
  public String name() {
    return "root-cert-configmaps";
  }

  @Override
  public synchronized void startLeading() {
    writer.start();
    configMaps =
        client
            .configMaps()
            .inAnyNamespace()
            .withField("metadata.name", NAME)
            .inform(reconciling(cm -> cm.getMetadata().getNamespace()), RESYNC_MILLIS);
    informers.add(configMaps);
    namespaces =
        client.namespaces().inform(reconciling(ns -> ns.getMetadata().getName()), RESYNC_MILLIS);
    informers.add(namespaces);
    // Events that fired while the other informer was still listing found no cache: one full pass
    // now.
    namespaces.getStore().list().forEach(ns -> reconcileLater(ns.getMetadata().getName()));
  }

  @Override
  public synchronized void stopLeading() {
    informers.forEach(SharedIndexInformer::close);
    informers.clear();
    namespaces = null;
    configMaps = null;
    writer.stop();
  }

  /**
   * Any change to a namespace or to one of the ConfigMaps brings that namespace's copy up to date.
   */
  private <T extends HasMetadata> ResourceEventHandler<T> reconciling(
      Function<T, String> namespaceOf) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        reconcileLater(namespaceOf.apply(object));
      }

      @Override
      public void onUpdate(T old, T object) {
        reconcileLater(namespaceOf.apply(object));
      }

      @Override
      public void onDelete(T object, boolean unknownFinalState) {
        reconcileLater(namespaceOf.apply(object));
      }
    };
  }

  /** The trust bundle changed (root rotation): rewrite every namespace's copy. */
  public synchronized void bundleChanged() {
    if (namespaces != null) {
      log.info(
          "event=root_cert_configmaps_rotating namespaces={}", namespaces.getStore().list().size());
      namespaces.getStore().list().forEach(ns -> reconcileLater(ns.getMetadata().getName()));
    }
  }

  private synchronized void reconcileLater(String namespace) {
    SharedIndexInformer<Namespace> nsCache = namespaces;
    SharedIndexInformer<ConfigMap> cmCache = configMaps;
    writer.submit(() -> reconcile(namespace, nsCache, cmCache));
  }

  /** Reads come from the informers' caches; only a needed write goes to the API server. */
  private void reconcile(
      String namespace,
      SharedIndexInformer<Namespace> nsCache,
      SharedIndexInformer<ConfigMap> cmCache) {
    try {
      Namespace ns = nsCache == null ? null : nsCache.getStore().getByKey(namespace);
      if (ns == null || ns.getMetadata().getDeletionTimestamp() != null || cmCache == null) {
        return;
      }
      String pem = bundlePem.get();
      ConfigMap current = cmCache.getStore().getByKey(namespace + "/" + NAME);
      if (current == null) {
        client.configMaps().inNamespace(namespace).resource(desired(namespace, pem)).create();
        foreignLogged.remove(namespace);
        log.info("event=root_cert_configmap_created namespace={}", namespace);
      } else if (!ours(current)) {
        if (foreignLogged.add(namespace)) {
          log.warn(
              "event=root_cert_configmap_foreign namespace={} name={} note=\"not labelled {}: left alone\"",
              namespace,
              NAME,
              LABELS);
        }
      } else if (!Objects.equals(
          pem, current.getData() == null ? null : current.getData().get(KEY))) {
        client
            .configMaps()
            .inNamespace(namespace)
            .resource(new ConfigMapBuilder(current).withData(Map.of(KEY, pem)).build())
            .update();
        log.info("event=root_cert_configmap_updated namespace={}", namespace);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        // Written meanwhile (by us, queued twice before the cache caught up, or by someone else):
        // the
        // informer's event for that write brings us back with the version to compare against.
        log.debug("event=root_cert_configmap_conflict namespace={}", namespace);
        return;
      }
      log.warn(
          "event=root_cert_configmap_write_failed namespace={} code={} error=\"{}\"",
          namespace,
          e.getCode(),
          e.getMessage());
    }
  }

  private static boolean ours(ConfigMap cm) {
    Map<String, String> labels = cm.getMetadata().getLabels();
    return labels != null
        && LABELS.entrySet().stream().allMatch(l -> l.getValue().equals(labels.get(l.getKey())));
  }

  private static ConfigMap desired(String namespace, String pem) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(namespace)
        .withLabels(LABELS)
        .endMetadata()
        .withData(Map.of(KEY, pem))
        .build();
  }
}
