package io.outrigger.controlplane.generate;

import io.outrigger.controlplane.generate.listener.InboundPlan;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.ProxyNode;

import java.util.Map;

/**
 * Builds a proxy's listeners, routes, clusters and endpoints from a mesh snapshot. Pure: the same snapshot
 * and proxy always give the same resources and versions. What does not depend on the proxy is built once
 * per snapshot and shared (see {@link MeshResources}); per proxy only the inbound side and the namespace's
 * routes are looked up. Safe to call from many threads.
 */
public final class ProxyConfigGenerator {
    private final MeshSettings settings;
    private volatile MeshResources shared;

    public ProxyConfigGenerator(MeshSettings settings) {
        this.settings = settings;
    }

    public MeshSettings settings() {
        return settings;
    }

    public ProxyResources generate(MeshConfig mesh, ProxyNode proxy) {
        MeshResources resources = sharedFor(mesh);
        MeshResources.Inbound inbound = resources.inbound(
                InboundPlan.of(mesh, proxy.workload(), settings.rootNamespace()));
        return new ProxyResources(Map.of(
                ProxyResources.LISTENER, new LayeredMap<>(inbound.listeners(), resources.listeners()),
                ProxyResources.ROUTE, resources.routes(proxy.namespace()),
                ProxyResources.CLUSTER, new LayeredMap<>(inbound.clusters(), resources.clusters()),
                ProxyResources.ENDPOINT, resources.endpoints()));
    }

    private MeshResources sharedFor(MeshConfig mesh) {
        MeshResources current = shared;
        if (current != null && current.mesh() == mesh) {
            return current;
        }
        synchronized (this) {
            current = shared;
            if (current == null || current.mesh() != mesh) {
                current = new MeshResources(mesh, settings, current);
                shared = current;
            }
            return current;
        }
    }
}
