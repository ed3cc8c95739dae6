package io.outrigger.controlplane.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which workloads a service's selector matches, answered from an index by namespace and label: with
 * thousands of services and pods, matching every selector against every pod of a namespace would
 * make each snapshot quadratic. Only the workloads carrying the selector's rarest label are
 * checked.
 */
final class WorkloadSelection {
  private final Map<String, Map<String, List<Workload>>> byNamespaceAndLabel = new HashMap<>();

  WorkloadSelection(List<Workload> workloads) {
    for (Workload w : workloads) {
      Map<String, List<Workload>> byLabel =
          byNamespaceAndLabel.computeIfAbsent(w.namespace(), ns -> new HashMap<>());
      w.labels()
          .forEach((k, v) -> byLabel.computeIfAbsent(k + "=" + v, l -> new ArrayList<>()).add(w));
    }
  }

  /** The workloads {@link Service#selects} says back the service, in the order they were given. */
  List<Workload> selectedBy(Service service) {
    if (service.selector().isEmpty()) {
      return List.of();
    }
    Map<String, List<Workload>> byLabel =
        byNamespaceAndLabel.getOrDefault(service.namespace(), Map.of());
    List<Workload> rarest = null;
    for (Map.Entry<String, String> wanted : service.selector().entrySet()) {
      List<Workload> carrying =
          byLabel.getOrDefault(wanted.getKey() + "=" + wanted.getValue(), List.of());
      if (rarest == null || carrying.size() < rarest.size()) {
        rarest = carrying;
      }
    }
    return rarest.stream().filter(service::selects).toList();
  }
}
