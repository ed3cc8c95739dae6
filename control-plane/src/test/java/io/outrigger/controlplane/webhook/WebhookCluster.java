package io.outrigger.controlplane.webhook;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.outrigger.testsupport.KubeTestCluster;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** What the webhook tests do to the tier-4 API server, as an administrator would with kubectl. */
final class WebhookCluster {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient admin;

  WebhookCluster(KubernetesClient admin) {
    this.admin = admin;
  }

  /** The chart's Istio CRDs, each waited for until the API server serves it. */
  void installCrds() {
    KubeTestCluster.installIstioCrds(admin, Duration.ofSeconds(20));
  }

  /**
   * A namespace with these labels and its default service account (no controller makes one here).
   */
  void namespace(String name, Map<String, String> labels) {
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
    admin
        .serviceAccounts()
        .inNamespace(name)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build())
        .create();
  }

  <T> T convert(JsonNode tree, Class<T> type) {
    return admin.getKubernetesSerialization().convertValue(tree, type);
  }

  Pod createPod(String namespace) {
    return admin
        .pods()
        .inNamespace(namespace)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withGenerateName("app-")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("registry.invalid/app:1")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  /**
   * Creates pods until one matches: the API server applies a changed label or webhook configuration
   * after its caches see it (well under a second), so the first pod after a change may predate it.
   */
  Pod awaitPod(String namespace, Predicate<Pod> expected) {
    Pod[] last = new Pod[1];
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              last[0] = createPod(namespace);
              return expected.test(last[0]);
            });
    return last[0];
  }

  /** The revision in the pod's outrigger.io/status annotation; empty when it has no sidecar. */
  static Optional<String> revisionOf(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (annotations == null || !annotations.containsKey("outrigger.io/status")) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          JSON.readTree(annotations.get("outrigger.io/status")).path("revision").asText());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Creates a namespaced object of any kind from YAML after its apiVersion and kind. */
  void apply(String apiVersion, String kind, String yaml) {
    GenericKubernetesResource resource =
        admin
            .getKubernetesSerialization()
            .unmarshal(
                "apiVersion: " + apiVersion + "\nkind: " + kind + "\n" + yaml,
                GenericKubernetesResource.class);
    admin
        .genericKubernetesResources(apiVersion, kind)
        .inNamespace(resource.getMetadata().getNamespace())
        .resource(resource)
        .create();
  }
}
