package io.outrigger.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service of the mesh: a Kubernetes Service (its virtual IP, spec.clusterIP, ports and the labels
 * selecting its workloads), or one host of a ServiceEntry ({@link #entry()} set; its name is the
 * host, its selector the entry's {@code workloadSelector}).
 *
 * @param endpointsFromSlices true: its endpoints are what its EndpointSlices list (a Service read
 *     from the Kubernetes API, where the EndpointSlice controller is the authority); false: the
 *     serving workloads its selector matches (the file registry's WorkloadEntries)
 */
public record Service(
    String namespace,
    String name,
    String vip,
    List<ServicePort> ports,
    Map<String, String> selector,
    boolean endpointsFromSlices,
    ExportTo exportTo,
    ServiceEntryHost entry) {
  public Service {
    ports = List.copyOf(ports);
    selector = Map.copyOf(selector);
    exportTo = exportTo == null ? ExportTo.EVERYWHERE : exportTo;
  }

  public Service(
      String namespace,
      String name,
      String vip,
      List<ServicePort> ports,
      Map<String, String> selector,
      boolean endpointsFromSlices) {
    this(namespace, name, vip, ports, selector, endpointsFromSlices, ExportTo.EVERYWHERE, null);
  }

  public Service(
      String namespace,
      String name,
      String vip,
      List<ServicePort> ports,
      Map<String, String> selector) {
    this(namespace, name, vip, ports, selector, false);
  }

  /** The same service with its endpoints taken from EndpointSlices. */
  public Service withEndpointsFromSlices() {
    return new Service(namespace, name, vip, ports, selector, true, exportTo, entry);
  }

  /** The same service with only {@code visible} as its ports. */
  public Service withPorts(List<ServicePort> visible) {
    return new Service(
        namespace, name, vip, visible, selector, endpointsFromSlices, exportTo, entry);
  }

  /** The same service visible only where {@code visibility} says. */
  public Service withExportTo(ExportTo visibility) {
    return new Service(
        namespace, name, vip, ports, selector, endpointsFromSlices, visibility, entry);
  }

  public String hostname() {
    return entry != null ? name : Hostnames.fqdn(name, namespace);
  }

  /** The addresses callers dial: the cluster IP, or a ServiceEntry's addresses. */
  public List<String> vips() {
    if (entry != null) {
      return entry.addresses();
    }
    return hasVip() ? List.of(vip) : List.of();
  }

  /** True when this is a ServiceEntry's host outside the mesh: never spoken to with mTLS. */
  public boolean meshExternal() {
    return entry != null && entry.meshExternal();
  }

  /** Headless services (clusterIP None) have no VIP, so no outbound listener can match them. */
  public boolean hasVip() {
    return vip != null && !vip.isBlank() && !"None".equals(vip);
  }

  public Optional<ServicePort> port(int number) {
    return ports.stream().filter(p -> p.port() == number).findFirst();
  }

  /**
   * A workload backs this service when it lives in the same namespace and carries every selector
   * label (whether it is an endpoint also depends on {@link #endpointsFromSlices} and {@link
   * Workload#serving}).
   */
  public boolean selects(Workload workload) {
    return !selector.isEmpty()
        && namespace.equals(workload.namespace())
        && Labels.matches(selector, workload.labels());
  }
}
