package io.outrigger.controlplane.generate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.outrigger.controlplane.generate.cluster.OutboundClusterFactory;
import io.outrigger.controlplane.generate.cluster.StaticClusterFactory;
import io.outrigger.controlplane.generate.endpoint.EndpointFactory;
import io.outrigger.controlplane.generate.listener.AppHealthFactory;
import io.outrigger.controlplane.generate.listener.InboundListenerFactory;
import io.outrigger.controlplane.generate.listener.InboundPlan;
import io.outrigger.controlplane.generate.listener.InboundPort;
import io.outrigger.controlplane.generate.listener.OutboundListenerFactory;
import io.outrigger.controlplane.generate.listener.PeerAuthenticationPolicy;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.generate.route.OutboundRouteFactory;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.Workload;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources of one mesh snapshot: what does not depend on the proxy is built once and shared by
 * every proxy, routes once per proxy namespace, inbound resources once per {@link InboundPlan}, and
 * a proxy's whole set once per {@link ProxyScope}.
 */
final class MeshResources {
  /** A proxy's own side: the virtualInbound listener and the clusters to its local app. */
  record Inbound(
      Map<String, VersionedResource> listeners, Map<String, VersionedResource> clusters) {}

  /** What an assignment is built from: the target and its selected workloads. */
  private record EndpointInputs(
      OutboundClusterFactory.Target target, List<Workload> endpoints, List<Workload> mtlsReady) {}

  private final MeshConfig mesh;
  private final OutboundRouteFactory routeFactory;
  private final Map<String, VersionedResource> listeners;
  private final Map<String, VersionedResource> clusters;
  private final Map<String, VersionedResource> endpoints;
  private final Map<OutboundClusterFactory.ClusterInputs, VersionedResource> clustersByInputs;
  private final Map<EndpointInputs, VersionedResource> endpointsByInputs;
  private final Map<String, Map<String, VersionedResource>> routesByNamespace =
      new ConcurrentHashMap<>();
  private final Map<InboundPlan, Inbound> inboundByPlan = new ConcurrentHashMap<>();
  private final Map<ProxyScope, ProxyResources> byScope = new ConcurrentHashMap<>();

  /**
   * The previous snapshot's routes when services, VirtualServices and DestinationRules are
   * unchanged, else empty.
   */
  private final Map<String, Map<String, VersionedResource>> reusableRoutes;

  private final Map<InboundPlan, Inbound> reusableInbound;

  /**
   * @param previous the resources of the snapshot before, or null: whatever was built from equal
   *     inputs is reused, so an endpoint move rebuilds (and re-hashes) only the resources that hold
   *     it. Only the previous snapshot's maps are kept, never its own predecessors.
   */
  MeshResources(MeshConfig mesh, MeshSettings settings, MeshResources previous) {
    this.mesh = mesh;
    this.routeFactory = new OutboundRouteFactory(settings.outboundTrafficPolicy());
    OutboundClusterFactory clusterFactory = new OutboundClusterFactory(settings);
    var previousClusters =
        previous == null
            ? Map.<OutboundClusterFactory.ClusterInputs, VersionedResource>of()
            : previous.clustersByInputs;
    var previousEndpoints =
        previous == null ? Map.<EndpointInputs, VersionedResource>of() : previous.endpointsByInputs;
    Map<OutboundClusterFactory.ClusterInputs, VersionedResource> builtClusters = new HashMap<>();
    Map<Workload, PeerAuthenticationPolicy> policies = new HashMap<>();
    Map<EndpointInputs, VersionedResource> builtEndpoints = new HashMap<>();
    Map<String, VersionedResource> clusterMap = new LinkedHashMap<>();
    Map<String, VersionedResource> endpointMap = new LinkedHashMap<>();
    for (OutboundClusterFactory.Target target : OutboundClusterFactory.targets(mesh)) {
      String name = target.clusterName();
      List<Workload> selected = target.endpoints(mesh);
      List<Workload> mtlsReady =
          selected.stream().filter(w -> acceptsMtls(w, target.port(), settings, policies)).toList();
      var clusterInputs = clusterFactory.inputs(target, selected, mtlsReady);
      VersionedResource cluster = previousClusters.get(clusterInputs);
      if (cluster == null) {
        cluster = VersionedResource.of(name, clusterFactory.cluster(clusterInputs));
      }
      EndpointInputs endpointInputs = new EndpointInputs(target, selected, mtlsReady);
      VersionedResource assignment = previousEndpoints.get(endpointInputs);
      if (assignment == null) {
        assignment =
            VersionedResource.of(name, EndpointFactory.assignment(target, selected, mtlsReady));
      }
      builtClusters.put(clusterInputs, cluster);
      builtEndpoints.put(endpointInputs, assignment);
      clusterMap.put(name, cluster);
      endpointMap.put(name, assignment);
    }
    for (Cluster cluster : StaticClusterFactory.meshWide()) {
      put(clusterMap, cluster.getName(), cluster);
    }
    boolean sameServices = previous != null && previous.mesh.services().equals(mesh.services());
    this.clustersByInputs = Map.copyOf(builtClusters);
    this.endpointsByInputs = Map.copyOf(builtEndpoints);
    this.clusters = Map.copyOf(clusterMap);
    this.endpoints = Map.copyOf(endpointMap);
    this.listeners = sameServices ? previous.listeners : outboundListeners(mesh, settings);
    // Routes read DestinationRules too (a consistent hash puts its key on the routes to the host),
    // and Gateway API HTTPRoutes.
    this.reusableRoutes =
        sameServices
                && previous.mesh.virtualServices().equals(mesh.virtualServices())
                && previous.mesh.destinationRules().equals(mesh.destinationRules())
                && previous.mesh.httpRoutes().equals(mesh.httpRoutes())
            ? previous.routesByNamespace
            : Map.of();
    this.reusableInbound = previous == null ? Map.of() : previous.inboundByPlan;
  }

  /**
   * Automatic mTLS goes to a workload only when it has a sidecar and its PeerAuthentication does
   * not DISABLE mTLS on that port (its sidecar would then expect plaintext), as in Istio.
   */
  private boolean acceptsMtls(
      Workload workload,
      ServicePort port,
      MeshSettings settings,
      Map<Workload, PeerAuthenticationPolicy> policies) {
    if (!workload.inMesh()) {
      return false;
    }
    PeerAuthenticationPolicy policy =
        policies.computeIfAbsent(
            workload, w -> PeerAuthenticationPolicy.of(mesh, w, settings.rootNamespace()));
    return policy.forPort(workload.targetPort(port)) != MtlsMode.DISABLE;
  }

  private static Map<String, VersionedResource> outboundListeners(
      MeshConfig mesh, MeshSettings settings) {
    OutboundListenerFactory listenerFactory =
        new OutboundListenerFactory(settings.outboundTrafficPolicy());
    Map<String, VersionedResource> listenerMap = new LinkedHashMap<>();
    Listener virtualOutbound = listenerFactory.virtualOutbound();
    put(listenerMap, virtualOutbound.getName(), virtualOutbound);
    for (Listener listener : listenerFactory.serviceListeners(mesh)) {
      put(listenerMap, listener.getName(), listener);
    }
    return Map.copyOf(listenerMap);
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

  /**
   * Everything a proxy of {@code scope} receives except secrets; one instance per scope and
   * snapshot.
   */
  ProxyResources forScope(ProxyScope scope) {
    return byScope.computeIfAbsent(
        scope,
        s -> {
          Inbound inbound = inbound(s.inbound());
          return new ProxyResources(
              Map.of(
                  ProxyResources.LISTENER,
                  new LayeredMap<>(inbound.listeners(), listeners),
                  ProxyResources.ROUTE,
                  routes(s.namespace()),
                  ProxyResources.CLUSTER,
                  new LayeredMap<>(inbound.clusters(), clusters),
                  ProxyResources.ENDPOINT,
                  endpoints));
        });
  }

  Map<String, VersionedResource> routes(String proxyNamespace) {
    return routesByNamespace.computeIfAbsent(
        proxyNamespace,
        ns -> {
          Map<String, VersionedResource> reusable = reusableRoutes.get(ns);
          if (reusable != null) {
            return reusable;
          }
          Map<String, VersionedResource> routes = new LinkedHashMap<>();
          for (int port : OutboundRouteFactory.httpPorts(mesh)) {
            put(
                routes,
                ResourceNames.outboundRoute(port),
                routeFactory.routeConfiguration(port, ns, mesh));
          }
          return Map.copyOf(routes);
        });
  }

  Inbound inbound(InboundPlan plan) {
    return inboundByPlan.computeIfAbsent(
        plan,
        p -> {
          Inbound reusable = reusableInbound.get(p);
          if (reusable != null) {
            return reusable;
          }
          Map<String, VersionedResource> own = new LinkedHashMap<>();
          for (InboundPort port : p.ports()) {
            Cluster cluster =
                StaticClusterFactory.inbound(port.targetPort(), port.protocol().isHttp2());
            put(own, cluster.getName(), cluster);
          }
          Map<String, VersionedResource> listeners = new LinkedHashMap<>();
          put(listeners, ResourceNames.VIRTUAL_INBOUND, InboundListenerFactory.virtualInbound(p));
          if (!p.appProbes().isEmpty()) {
            AppHealthFactory.clusters(p.appProbes())
                .forEach((name, cluster) -> put(own, name, cluster));
            put(listeners, AppHealthFactory.LISTENER, AppHealthFactory.listener(p.appProbes()));
          }
          return new Inbound(Map.copyOf(listeners), Map.copyOf(own));
        });
  }

  private static void put(
      Map<String, VersionedResource> map, String name, com.google.protobuf.Message resource) {
    map.put(name, VersionedResource.of(name, resource));
  }
}
