package io.outrigger.controlplane.registry.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeanItemStoreTest {

  @Test
  void aStoredPodKeepsEverythingButItsManagedFields() {
    LeanItemStore<Pod> store = new LeanItemStore<>();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace("shop")
            .withName("cart-a")
            .withResourceVersion("42")
            .withLabels(Map.of("app", "cart", "version", "v1"))
            .withAnnotations(Map.of("sidecar.istio.io/inject", "true"))
            .addToManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager("kubelet")
                    .withOperation("Update")
                    .withNewFieldsV1()
                    .addToAdditionalProperties("f:status", Map.of("f:podIP", Map.of()))
                    .endFieldsV1()
                    .build())
            .endMetadata()
            .withNewSpec()
            .withServiceAccountName("cart")
            .endSpec()
            .withNewStatus()
            .withPodIP("198.18.0.7")
            .endStatus()
            .build();

    String key = store.getKey(pod);
    store.put(key, pod);

    assertThat(key).isEqualTo(Cache.metaNamespaceKeyFunc(pod)).isEqualTo("shop/cart-a");
    Pod stored = store.get("shop/cart-a");
    assertThat(stored.getMetadata().getManagedFields()).isNull();
    assertThat(stored.getMetadata().getLabels()).containsEntry("app", "cart").hasSize(2);
    assertThat(stored.getMetadata().getAnnotations()).containsKey("sidecar.istio.io/inject");
    assertThat(stored.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(stored.getSpec().getServiceAccountName()).isEqualTo("cart");
    assertThat(stored.getStatus().getPodIP()).isEqualTo("198.18.0.7");
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void anObjectWithoutManagedFieldsIsStoredAsItIs() {
    LeanItemStore<Pod> store = new LeanItemStore<>();
    Pod pod =
        new PodBuilder().withNewMetadata().withNamespace("a").withName("b").endMetadata().build();
    pod.getMetadata().setManagedFields(null);

    store.put(store.getKey(pod), pod);

    assertThat(store.get("a/b")).isSameAs(pod);
    assertThat(store.remove("a/b")).isSameAs(pod);
    assertThat(store.size()).isZero();
  }
}
