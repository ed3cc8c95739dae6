package io.outrigger.controlplane.registry.convert;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.sidecar.MeshKeys;
import io.outrigger.sidecar.probes.AppProbe;
import io.outrigger.sidecar.probes.AppProbesAnnotation;
import io.outrigger.sidecar.probes.InvalidAppProbesException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes v1 Pod to {@link Workload}: metadata labels, namespace and name, {@code
 * spec.serviceAccountName}, {@code status.podIP}, and the injector's annotations. A pod with an
 * injection status annotation has a sidecar (its workload is labelled {@code
 * security.istio.io/tlsMode: istio}, as the injector labels it). Only a Running, Ready pod that is
 * not being deleted serves; the others still get their sidecar config.
 */
public final class PodConverter {
  static final String RUNNING = "Running";

  private PodConverter() {}

  /**
   * @return null while the pod has no IP yet (nothing can reach it, and its sidecar cannot run)
   */
  public static Workload convert(Pod pod, String namespace) throws InvalidConfigException {
    var status = pod.getStatus();
    String ip = status == null ? null : status.getPodIP();
    if (ip == null || ip.isBlank()) {
      return null;
    }
    if (!Addresses.isIpLiteral(ip)) {
      throw new InvalidConfigException("status.podIP \"" + ip + "\" is not an IP address");
    }
    var metadata = pod.getMetadata();
    Map<String, String> annotations =
        metadata.getAnnotations() == null ? Map.of() : metadata.getAnnotations();
    Map<String, String> labels =
        new HashMap<>(metadata.getLabels() == null ? Map.of() : metadata.getLabels());
    if (annotations.containsKey(MeshKeys.STATUS)
        || annotations.containsKey(MeshKeys.ISTIO_STATUS)) {
      labels.putIfAbsent(Workload.TLS_MODE_LABEL, "istio");
    }
    String serviceAccount = pod.getSpec() == null ? null : pod.getSpec().getServiceAccountName();
    return new Workload(
        namespace,
        metadata.getName(),
        ip,
        labels,
        serviceAccount,
        namedPorts(pod),
        appProbes(annotations),
        serving(pod));
  }

  /**
   * The probes the injector moved to the sidecar (its app-probes annotation); a pod and a
   * WorkloadEntry carry it.
   */
  static List<AppProbe> appProbes(Map<String, String> annotations) throws InvalidConfigException {
    try {
      return AppProbesAnnotation.parse(annotations);
    } catch (InvalidAppProbesException e) {
      throw new InvalidConfigException(e.getMessage());
    }
  }

  /**
   * Named container ports: a Service's {@code targetPort} by name resolves to them, as in
   * Kubernetes.
   */
  private static Map<String, Integer> namedPorts(Pod pod) {
    Map<String, Integer> ports = new HashMap<>();
    if (pod.getSpec() != null && pod.getSpec().getContainers() != null) {
      pod.getSpec().getContainers().stream()
          .filter(c -> c.getPorts() != null)
          .flatMap(c -> c.getPorts().stream())
          .filter(p -> p.getName() != null && p.getContainerPort() != null)
          .forEach(p -> ports.putIfAbsent(p.getName(), p.getContainerPort()));
    }
    return ports;
  }

  /** Running, Ready and not being deleted, as the EndpointSlice controller decides who is ready. */
  public static boolean serving(Pod pod) {
    var status = pod.getStatus();
    if (status == null
        || !RUNNING.equals(status.getPhase())
        || pod.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    List<PodCondition> conditions =
        status.getConditions() == null ? List.of() : status.getConditions();
    return conditions.stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
