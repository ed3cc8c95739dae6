package io.outrigger.controlplane.registry.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer store that keeps each object without its {@code metadata.managedFields}: the API
 * server's record of which client wrote which field (server-side apply), which nothing in the
 * control plane reads. It is the largest part of a cached pod: the field sets parsed into nested
 * maps, about 2 KB per writer (the creator, the kubelet's status updates), roughly a third of what
 * a pod's informer entry costs (measured with 2,000 pods, BENCHMARKS.md "Memory, round 3"). The
 * field is cleared on the object the informer just decoded, before its event handlers run, so they
 * and {@link KubeApiSource#contents()} see the same object. Keyed like fabric8's default store
 * (namespace/name).
 */
final class LeanItemStore<T extends HasMetadata> extends BasicItemStore<T> {

  LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T object) {
    ObjectMeta metadata = object.getMetadata();
    if (metadata != null && metadata.getManagedFields() != null) {
      metadata.setManagedFields(null);
    }
    return super.put(key, object);
  }
}
