package io.outrigger.controlplane.generate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.outrigger.controlplane.generate.cluster.OutboundClusterFactory;
import io.outrigger.controlplane.generate.cluster.StaticClusterFactory;
import io.outrigger.controlplane.generate.endpoint.EndpointFactory;
import io.outrigger.controlplane.generate.listener.InboundListenerFactory;
import io.outrigger.controlplane.generate.listener.InboundPlan;
import io.outrigger.controlplane.generate.listener.InboundPort;
import io.outrigger.controlplane.generate.listener.OutboundListenerFactory;
import io.outrigger.controlplane.generate.route.OutboundRouteFactory;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources of one mesh snapshot that do not depend on which proxy asks: built once per snapshot and
 * shared by every proxy. Routes are shared per proxy namespace, inbound resources per {@link InboundPlan}.
 */
final class MeshResources {
    /** A proxy's own side: the virtualInbound listener and the clusters to its local app. */
    record Inbound(VersionedResource listener, Map<String, VersionedResource> clusters) {
    }

    private final MeshConfig mesh;
    private final OutboundRouteFactory routeFactory;
    private final Map<String, VersionedResource> listeners;
    private final Map<String, VersionedResource> clusters;
    private final Map<String, VersionedResource> endpoints;
    private final Map<String, Map<String, VersionedResource>> routesByNamespace = new ConcurrentHashMap<>();
    private final Map<InboundPlan, Inbound> inboundByPlan = new ConcurrentHashMap<>();

    MeshResources(MeshConfig mesh, MeshSettings settings) {
        this.mesh = mesh;
        this.routeFactory = new OutboundRouteFactory(settings.outboundTrafficPolicy());
        OutboundClusterFactory clusterFactory = new OutboundClusterFactory(settings);
        Map<String, VersionedResource> clusterMap = new LinkedHashMap<>();
        Map<String, VersionedResource> endpointMap = new LinkedHashMap<>();
        for (OutboundClusterFactory.Target target : OutboundClusterFactory.targets(mesh)) {
            put(clusterMap, target.clusterName(), clusterFactory.cluster(target, mesh));
            put(endpointMap, target.clusterName(), EndpointFactory.assignment(target, mesh));
        }
        for (Cluster cluster : StaticClusterFactory.meshWide()) {
            put(clusterMap, cluster.getName(), cluster);
        }
        OutboundListenerFactory listenerFactory = new OutboundListenerFactory(settings.outboundTrafficPolicy());
        Map<String, VersionedResource> listenerMap = new LinkedHashMap<>();
        Listener virtualOutbound = listenerFactory.virtualOutbound();
        put(listenerMap, virtualOutbound.getName(), virtualOutbound);
        for (Listener listener : listenerFactory.serviceListeners(mesh)) {
            put(listenerMap, listener.getName(), listener);
        }
        this.clusters = Map.copyOf(clusterMap);
        this.endpoints = Map.copyOf(endpointMap);
        this.listeners = Map.copyOf(listenerMap);
    }

    MeshConfig mesh() {
        return mesh;
    }

    Map<String, VersionedResource> listeners() {
        return listeners;
    }

    Map<String, VersionedResource> clusters() {
        return clusters;
    }

    Map<String, VersionedResource> endpoints() {
        return endpoints;
    }

    Map<String, VersionedResource> routes(String proxyNamespace) {
        return routesByNamespace.computeIfAbsent(proxyNamespace, ns -> {
            Map<String, VersionedResource> routes = new LinkedHashMap<>();
            for (int port : OutboundRouteFactory.httpPorts(mesh)) {
                put(routes, ResourceNames.outboundRoute(port), routeFactory.routeConfiguration(port, ns, mesh));
            }
            return Map.copyOf(routes);
        });
    }

    Inbound inbound(InboundPlan plan) {
        return inboundByPlan.computeIfAbsent(plan, p -> {
            Map<String, VersionedResource> own = new LinkedHashMap<>();
            for (InboundPort port : p.ports()) {
                Cluster cluster = StaticClusterFactory.inbound(port.targetPort(), port.protocol().isHttp2());
                put(own, cluster.getName(), cluster);
            }
            Listener listener = InboundListenerFactory.virtualInbound(p);
            return new Inbound(VersionedResource.of(listener.getName(), listener), Map.copyOf(own));
        });
    }


    private static void put(Map<String, VersionedResource> map, String name, com.google.protobuf.Message resource) {
        map.put(name, VersionedResource.of(name, resource));
    }
}
