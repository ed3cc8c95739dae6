package io.outrigger.controlplane.generate.scope;

import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mesh as a proxy of one {@link OutboundScope} sees it: the services exported to its namespace
 * and selected by its Sidecar's egress hosts, and for each host the first VirtualService and
 * DestinationRule (in namespace/name order) visible to it. Generators ask it instead of the mesh.
 */
public final class OutboundView {
  private final MeshConfig mesh;
  private final OutboundScope scope;
  private final List<Service> services;

  public OutboundView(MeshConfig mesh, OutboundScope scope) {
    this.mesh = mesh;
    this.scope = scope;
    this.services =
        scope.seesWholeMesh()
            ? mesh.services()
            : mesh.services().stream().filter(this::sees).toList();
  }

  /** Every service, every first VirtualService and DestinationRule per host. */
  public static OutboundView wholeMesh(MeshConfig mesh, OutboundScope scope) {
    if (!scope.seesWholeMesh()) {
      throw new IllegalArgumentException("not a whole-mesh scope: " + scope);
    }
    return new OutboundView(mesh, scope);
  }

  public MeshConfig mesh() {
    return mesh;
  }

  public OutboundScope scope() {
    return scope;
  }

  /**
   * Whether the proxy's labels include {@code selector} (a match's sourceLabels); empty holds for
   * every proxy.
   */
  public boolean clientHas(Map<String, String> selector) {
    return selector.isEmpty() || scope.sourceLabels().contains(selector);
  }

  /** The services the proxy may reach, in the mesh's namespace/name order. */
  public List<Service> services() {
    return services;
  }

  /**
   * True when {@code service} is exported to the proxy's namespace and its Sidecar's egress hosts
   * select it (by the service's namespace and host name, as Istio matches them).
   */
  public boolean sees(Service service) {
    if (scope.seesWholeMesh()) {
      return true;
    }
    String ns = scope.namespace();
    return service.exportTo().visibleTo(ns, service.namespace())
        && (scope.sidecar() == null
            || scope.sidecar().egressSelects(service.namespace(), service.hostname(), ns));
  }

  /**
   * The VirtualService in force for {@code host}: exported to the proxy's namespace and, under a
   * Sidecar, of a namespace and host its egress hosts select.
   */
  public Optional<VirtualServiceConfig> virtualService(String host) {
    if (scope.seesWholeMesh()) {
      return mesh.virtualService(host);
    }
    String ns = scope.namespace();
    return mesh.virtualServices(host).stream()
        .filter(v -> v.exportTo().visibleTo(ns, v.namespace()))
        .filter(
            v -> scope.sidecar() == null || scope.sidecar().egressSelects(v.namespace(), host, ns))
        .findFirst();
  }

  /**
   * The DestinationRule in force for {@code host}, among those exported to the proxy's namespace,
   * as Istio picks it: one of the proxy's own namespace, else one of the service's namespace, else
   * the first in namespace/name order.
   */
  public Optional<DestinationRuleConfig> destinationRule(String host) {
    if (scope.seesWholeMesh()) {
      return mesh.destinationRule(host);
    }
    String ns = scope.namespace();
    List<DestinationRuleConfig> visible =
        mesh.destinationRules(host).stream()
            .filter(d -> d.exportTo().visibleTo(ns, d.namespace()))
            .toList();
    String serviceNamespace = mesh.service(host).map(Service::namespace).orElse(ns);
    return visible.stream()
        .filter(d -> d.namespace().equals(ns))
        .findFirst()
        .or(() -> visible.stream().filter(d -> d.namespace().equals(serviceNamespace)).findFirst())
        .or(() -> visible.stream().findFirst());
  }
}
