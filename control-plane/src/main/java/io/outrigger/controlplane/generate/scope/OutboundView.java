package io.outrigger.controlplane.generate.scope;

import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import java.util.ArrayList;
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
  private final List<Service> listenerServices;

  public OutboundView(MeshConfig mesh, OutboundScope scope) {
    this.mesh = mesh;
    this.scope = scope;
    this.services =
        scope.seesWholeMesh()
            ? mesh.services()
            : mesh.services().stream().filter(this::sees).toList();
    this.listenerServices =
        scope.sidecar() == null || !scope.sidecar().hasPortEgress()
            ? services
            : services.stream().map(this::onEgressPorts).filter(s -> !s.ports().isEmpty()).toList();
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
   * The services as the proxy's outbound listeners and routes see them: under a Sidecar with egress
   * listeners for single ports, a service keeps a port only when the egress listener of that port
   * (else the catch-all) selects it, with that listener's protocol if it names one, as Istio builds
   * one listener per egress port. Clusters are still made for every port of {@link #services()}
   * (routes of a VirtualService may use them), as in Istio.
   */
  public List<Service> listenerServices() {
    return listenerServices;
  }

  private Service onEgressPorts(Service service) {
    String ns = scope.namespace();
    List<ServicePort> ports = new ArrayList<>();
    for (ServicePort port : service.ports()) {
      scope
          .sidecar()
          .egressFor(port.port())
          .filter(l -> l.selects(service.namespace(), service.hostname(), ns))
          .ifPresent(
              l ->
                  ports.add(
                      l.protocol() == null
                          ? port
                          : new ServicePort(
                              port.name(), port.port(), port.targetPort(), l.protocol())));
    }
    return ports.size() == service.ports().size() && ports.equals(service.ports())
        ? service
        : service.withPorts(ports);
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
