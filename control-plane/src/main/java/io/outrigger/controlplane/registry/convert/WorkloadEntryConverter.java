package io.outrigger.controlplane.registry.convert;

import io.fabric8.istio.api.networking.v1.WorkloadEntry;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.model.Workload;
import java.util.LinkedHashMap;
import java.util.Map;

/** Istio WorkloadEntry to {@link Workload}. */
public final class WorkloadEntryConverter {
  private WorkloadEntryConverter() {}

  public static Workload convert(WorkloadEntry object, String namespace)
      throws InvalidConfigException {
    var spec = object.getSpec();
    if (spec == null) {
      throw new InvalidConfigException("spec is missing");
    }
    if (!Addresses.isIpLiteral(spec.getAddress())) {
      throw new InvalidConfigException(
          "spec.address \""
              + spec.getAddress()
              + "\" is not an IP address (host names are not resolved)");
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    if (spec.getPorts() != null) {
      for (Map.Entry<String, Long> e : spec.getPorts().entrySet()) {
        long port = e.getValue() == null ? 0 : e.getValue();
        if (port < 1 || port > 65535) {
          throw new InvalidConfigException(
              "spec.ports." + e.getKey() + ": " + e.getValue() + " is not in 1..65535");
        }
        ports.put(e.getKey(), (int) port);
      }
    }
    if (spec.getServiceAccount() != null && !spec.getServiceAccount().isEmpty()) {
      try {
        new WorkloadIdentity(
            namespace, spec.getServiceAccount()); // it becomes the sidecar's SPIFFE ID
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(
            "spec.serviceAccount \""
                + spec.getServiceAccount()
                + "\" is not a valid Kubernetes service account name");
      }
    }
    Map<String, String> labels = spec.getLabels() == null ? Map.of() : spec.getLabels();
    return new Workload(
        namespace,
        object.getMetadata().getName(),
        spec.getAddress(),
        labels,
        spec.getServiceAccount(),
        ports,
        PodConverter.appProbes(object.getMetadata().getAnnotations()));
  }
}
