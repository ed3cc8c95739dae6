package io.outrigger.controlplane.generate.scope;

import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.OutboundTrafficPolicy;
import io.outrigger.controlplane.model.SidecarConfig;
import io.outrigger.controlplane.model.Workload;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What decides the outbound side of a proxy (the services, VirtualServices and DestinationRules it
 * may see, and where unknown destinations go): the Sidecar resource that applies to it, its
 * namespace when some object's {@code exportTo} hides it from some namespaces, and the outbound
 * traffic policy. A value, so proxies with equal outbound scopes share their outbound resources;
 * {@link #wholeMesh} (no Sidecar, nothing hidden) is the one every unscoped proxy shares, whatever
 * its namespace.
 *
 * <p>When VirtualService matches name {@code sourceLabels}, the scope also holds which of those
 * selectors the proxy's labels satisfy ({@link SourceSelectors}): that is all of the labels its
 * routes and listeners depend on, so proxies with the same answers still share them.
 *
 * @param namespace the proxy's namespace; null when it sees the whole mesh and no tcp or tls match
 *     depends on the client's namespace
 * @param sidecar the Sidecar applying to the proxy; null: none
 * @param sourceLabels the sourceLabels selectors the proxy's labels satisfy (empty in a mesh
 *     without them)
 */
public record OutboundScope(
    String namespace,
    SidecarConfig sidecar,
    OutboundTrafficPolicy policy,
    List<Map<String, String>> sourceLabels) {
  public OutboundScope {
    Objects.requireNonNull(policy);
    if (namespace == null && sidecar != null) {
      throw new IllegalArgumentException("a Sidecar's scope needs the proxy's namespace");
    }
    sourceLabels = List.copyOf(sourceLabels);
  }

  public OutboundScope(String namespace, SidecarConfig sidecar, OutboundTrafficPolicy policy) {
    this(namespace, sidecar, policy, List.of());
  }

  /** The scope of a proxy that sees every service, VirtualService and DestinationRule. */
  public static OutboundScope wholeMesh(OutboundTrafficPolicy policy) {
    return new OutboundScope(null, null, policy);
  }

  /** This scope for resources that do not depend on the client's labels. */
  public OutboundScope withoutSourceLabels() {
    return sourceLabels.isEmpty() ? this : new OutboundScope(namespace, sidecar, policy);
  }

  /**
   * The outbound scope of {@code workload}'s proxy.
   *
   * @param sidecar the Sidecar applying to {@code workload} ({@link SidecarConfig#applying})
   * @param somethingHidden true when some object of the mesh is not exported everywhere (see {@link
   *     #hidesSomething}); computed once per snapshot
   * @param clients the conditions on the client the mesh's VirtualServices use; computed once per
   *     snapshot
   */
  public static OutboundScope of(
      Workload workload,
      Optional<SidecarConfig> sidecar,
      MeshSettings settings,
      boolean somethingHidden,
      SourceSelectors clients) {
    OutboundTrafficPolicy policy = sidecar.map(SidecarConfig::outboundTrafficPolicy).orElse(null);
    if (policy == null) {
      policy = settings.outboundTrafficPolicy();
    }
    List<Map<String, String>> satisfied = clients.satisfiedBy(workload);
    if (sidecar.isEmpty() && !somethingHidden && !clients.l4SourceNamespace()) {
      return new OutboundScope(null, null, policy, satisfied);
    }
    return new OutboundScope(workload.namespace(), sidecar.orElse(null), policy, satisfied);
  }

  /**
   * True when what a proxy sees depends on its namespace: some service, VirtualService or
   * DestinationRule is hidden from some namespace, or some host has several DestinationRules (the
   * one of the proxy's namespace wins, as in Istio).
   */
  public static boolean hidesSomething(MeshConfig mesh) {
    return mesh.services().stream().anyMatch(s -> !s.exportTo().everywhere())
        || mesh.virtualServices().stream().anyMatch(v -> !v.exportTo().everywhere())
        || mesh.destinationRules().stream().anyMatch(d -> !d.exportTo().everywhere())
        || mesh.destinationRules().stream().map(d -> d.host()).distinct().count()
            < mesh.destinationRules().size();
  }

  /**
   * Where connections and requests to unknown destinations go: REGISTRY_ONLY drops them, ALLOW_ANY
   * sends them to their original destination, or to the Sidecar's egress proxy when it names one
   * (Istio's {@code outbound|port|subset|host}).
   */
  public String unknownDestinationCluster() {
    if (policy == OutboundTrafficPolicy.REGISTRY_ONLY) {
      return ResourceNames.BLACKHOLE_CLUSTER;
    }
    if (sidecar != null && sidecar.egressProxy() != null) {
      var proxy = sidecar.egressProxy();
      return ResourceNames.outboundCluster(proxy.port(), proxy.subset(), proxy.host());
    }
    return ResourceNames.PASSTHROUGH_CLUSTER;
  }

  public boolean seesWholeMesh() {
    return namespace == null;
  }
}
