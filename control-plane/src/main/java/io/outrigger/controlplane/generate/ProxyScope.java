package io.outrigger.controlplane.generate;

import io.outrigger.controlplane.generate.listener.InboundPlan;
import io.outrigger.controlplane.generate.scope.OutboundScope;
import io.outrigger.controlplane.generate.scope.SourceSelectors;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.model.SidecarConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * What one proxy may see and what applies to it, Istio's SidecarScope: the only input, besides the
 * snapshot, of the factories that build its resources, and the key under which proxies with equal
 * scopes share them. Two proxies with equal scopes get the same resources (the same instances), so
 * "why did this proxy get this route" is answered by its scope.
 *
 * <p>The outbound side is the proxy's namespace, which decides the short host names its routes
 * answer to, and its {@link OutboundScope}: the Sidecar resource applying to it and the {@code
 * exportTo} of services, VirtualServices and DestinationRules narrow what it sees. Proxies without
 * a Sidecar in a mesh where nothing is hidden share one outbound scope, as long as they answer
 * alike the VirtualServices' conditions on the client ({@code sourceLabels}), if any.
 *
 * @param namespace the proxy's namespace: its routes' short names
 * @param inbound its own side: ports, mTLS modes, probes and the AuthorizationPolicies that select
 *     it
 * @param outbound what it may reach
 */
public record ProxyScope(String namespace, InboundPlan inbound, OutboundScope outbound) {
  public ProxyScope {
    Objects.requireNonNull(namespace);
    Objects.requireNonNull(inbound);
    Objects.requireNonNull(outbound);
  }

  /**
   * The scope of {@code proxy} in {@code mesh}.
   *
   * @param somethingHidden {@link OutboundScope#hidesSomething}{@code (mesh)}, computed once per
   *     snapshot
   * @param clients {@link SourceSelectors#of}{@code (mesh)}, computed once per snapshot
   */
  public static ProxyScope of(
      MeshConfig mesh,
      ProxyNode proxy,
      MeshSettings settings,
      boolean somethingHidden,
      SourceSelectors clients) {
    Optional<SidecarConfig> sidecar =
        SidecarConfig.applying(mesh.sidecars(), proxy.workload(), settings.rootNamespace());
    return new ProxyScope(
        proxy.namespace(),
        InboundPlan.of(mesh, proxy.workload(), settings.rootNamespace(), sidecar),
        OutboundScope.of(proxy.workload(), sidecar, settings, somethingHidden, clients));
  }
}
