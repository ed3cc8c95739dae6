package io.outrigger.controlplane.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.controlplane.security.PodDirectory;
import io.outrigger.controlplane.security.PodDirectory.PodLookupException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Pods read from the API server at the moment a stream is admitted (one GET per new stream): a pod
 * deleted a moment ago is gone, whatever a cache would still say.
 */
final class KubePods implements PodDirectory {
  private final KubernetesClient client;

  KubePods(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Optional<PodFacts> pod(String namespace, String name) {
    Pod pod;
    try {
      pod = client.pods().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new PodLookupException(
          "cannot look up pod "
              + namespace
              + "/"
              + name
              + " (HTTP "
              + e.getCode()
              + "): "
              + e.getMessage()
              + "; the control plane needs RBAC to get pods",
          e);
    }
    if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
      return Optional.empty();
    }
    Set<String> ips = new LinkedHashSet<>();
    if (pod.getStatus() != null) {
      if (pod.getStatus().getPodIP() != null && !pod.getStatus().getPodIP().isBlank()) {
        ips.add(pod.getStatus().getPodIP());
      }
      if (pod.getStatus().getPodIPs() != null) {
        pod.getStatus().getPodIPs().stream()
            .map(PodIP::getIp)
            .filter(ip -> ip != null && !ip.isBlank())
            .forEach(ips::add);
      }
    }
    return Optional.of(new PodFacts(pod.getMetadata().getUid(), List.copyOf(ips)));
  }
}
