package io.outrigger.controlplane.generate;

import io.outrigger.controlplane.generate.listener.InboundPlan;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;
import java.util.Objects;

/**
 * What one proxy may see and what applies to it, Istio's SidecarScope: the only input, besides the
 * snapshot, of the factories that build its resources, and the key under which proxies with equal
 * scopes share them. Two proxies with equal scopes get the same resources (the same instances), so
 * "why did this proxy get this route" is answered by its scope.
 *
 * <p>Today every proxy sees every service (clusters, outbound listeners and endpoints are
 * mesh-wide), so the outbound side is just the proxy's namespace, which decides the short host
 * names its routes answer to. A Sidecar resource, {@code exportTo} and HTTPRoute {@code parentRefs}
 * narrow what a proxy sees: they belong here as further components of the outbound side, and the
 * resources keyed by them follow.
 *
 * @param namespace the proxy's namespace: its routes' short names
 * @param inbound its own side: ports, mTLS modes, probes and the AuthorizationPolicies that select
 *     it
 */
public record ProxyScope(String namespace, InboundPlan inbound) {
  public ProxyScope {
    Objects.requireNonNull(namespace);
    Objects.requireNonNull(inbound);
  }

  /** The scope of {@code proxy} in {@code mesh}. */
  public static ProxyScope of(MeshConfig mesh, ProxyNode proxy, MeshSettings settings) {
    return new ProxyScope(
        proxy.namespace(), InboundPlan.of(mesh, proxy.workload(), settings.rootNamespace()));
  }
}
