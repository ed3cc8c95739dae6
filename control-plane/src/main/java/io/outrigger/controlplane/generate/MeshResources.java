package io.outrigger.controlplane.generate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.outrigger.controlplane.generate.cluster.JwksClusterFactory;
import io.outrigger.controlplane.generate.cluster.OutboundClusterFactory;
import io.outrigger.controlplane.generate.cluster.ServiceEntryClusters;
import io.outrigger.controlplane.generate.cluster.StaticClusterFactory;
import io.outrigger.controlplane.generate.endpoint.EndpointFactory;
import io.outrigger.controlplane.generate.listener.AppHealthFactory;
import io.outrigger.controlplane.generate.listener.InboundJwt;
import io.outrigger.controlplane.generate.listener.InboundListenerFactory;
import io.outrigger.controlplane.generate.listener.InboundPlan;
import io.outrigger.controlplane.generate.listener.InboundPort;
import io.outrigger.controlplane.generate.listener.OutboundListenerFactory;
import io.outrigger.controlplane.generate.listener.PeerAuthenticationPolicy;
import io.outrigger.controlplane.generate.naming.ResourceNames;
import io.outrigger.controlplane.generate.route.OutboundRouteFactory;
import io.outrigger.controlplane.generate.scope.OutboundScope;
import io.outrigger.controlplane.generate.scope.OutboundView;
import io.outrigger.controlplane.generate.scope.SourceSelectors;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MeshSettings;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.ProxyNode;
import io.outrigger.controlplane.model.Workload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources of one mesh snapshot: the outbound side (listeners, clusters, endpoints) once per
 * distinct {@link OutboundScope} (one for every proxy that sees the whole mesh, which is built
 * eagerly), routes once per proxy namespace and outbound scope, inbound resources once per {@link
 * InboundPlan}, and a proxy's whole set once per {@link ProxyScope}. Clusters and endpoint
 * assignments are shared by inputs across scopes and with the snapshot before.
 */
final class MeshResources {
  /** A proxy's own side: the virtualInbound listener and the clusters to its local app. */
  record Inbound(
      Map<String, VersionedResource> listeners, Map<String, VersionedResource> clusters) {}

  /** What a proxy of one outbound scope may reach. */
  record Outbound(
      Map<String, VersionedResource> listeners,
      Map<String, VersionedResource> clusters,
      Map<String, VersionedResource> endpoints) {}

  /** What an assignment is built from: the target and its selected workloads. */
  private record EndpointInputs(
      OutboundClusterFactory.Target target, List<Workload> endpoints, List<Workload> mtlsReady) {}

  /** Routes differ by the namespace (short names) and by what the proxy sees. */
  private record RouteKey(String namespace, OutboundScope scope) {}

  private final MeshConfig mesh;
  private final MeshSettings settings;
  private final OutboundClusterFactory clusterFactory;
  private final boolean somethingHidden;
  private final SourceSelectors clients;
  private final OutboundScope wholeMeshScope;
  private final Outbound wholeMesh;
  private final Map<String, VersionedResource> staticClusters;
  private final Map<OutboundClusterFactory.ClusterInputs, VersionedResource> clustersByInputs =
      new ConcurrentHashMap<>();
  private final Map<EndpointInputs, VersionedResource> endpointsByInputs =
      new ConcurrentHashMap<>();
  private final Map<Workload, PeerAuthenticationPolicy> peerPolicies = new ConcurrentHashMap<>();
  private final Map<OutboundScope, Outbound> outboundByScope = new ConcurrentHashMap<>();
  private final Map<RouteKey, Map<String, VersionedResource>> routesByKey =
      new ConcurrentHashMap<>();
  private final Map<InboundPlan, Inbound> inboundByPlan = new ConcurrentHashMap<>();
  private final Map<ProxyScope, ProxyResources> byScope = new ConcurrentHashMap<>();

  /**
   * The previous snapshot's routes when services, VirtualServices, DestinationRules and Sidecars
   * are unchanged, else empty.
   */
  private final Map<RouteKey, Map<String, VersionedResource>> reusableRoutes;

  /**
   * One object per distinct virtual host in the route configurations built from this snapshot's
   * inputs: each proxy namespace's configuration repeats every other namespace's hosts unchanged
   * (1,000 services in 10 namespaces: 10,000 virtual hosts built, about 2,000 distinct). Kept with
   * the routes when they are reused, so it never holds hosts of inputs no longer in force.
   */
  private final Map<VirtualHost, VirtualHost> virtualHosts;

  private final Map<InboundPlan, Inbound> reusableInbound;

  /**
   * @param previous the resources of the snapshot before, or null: whatever was built from equal
   *     inputs is reused, so an endpoint move rebuilds (and re-hashes) only the resources that hold
   *     it. Only the previous snapshot's maps are kept, never its own predecessors.
   */
  MeshResources(MeshConfig mesh, MeshSettings settings, MeshResources previous) {
    this.mesh = mesh;
    this.settings = settings;
    this.clusterFactory = new OutboundClusterFactory(settings);
    this.somethingHidden = OutboundScope.hidesSomething(mesh);
    this.clients = SourceSelectors.of(mesh);
    this.wholeMeshScope = OutboundScope.wholeMesh(settings.outboundTrafficPolicy());
    Map<String, VersionedResource> statics = new LinkedHashMap<>();
    for (Cluster cluster : StaticClusterFactory.meshWide()) {
      put(statics, cluster.getName(), cluster);
    }
    this.staticClusters = Map.copyOf(statics);
    boolean sameServices = previous != null && previous.mesh.services().equals(mesh.services());
    OutboundView wholeMeshView = OutboundView.wholeMesh(mesh, wholeMeshScope);
    // Outbound TCP and TLS listeners carry the VirtualServices' tcp and tls routes.
    boolean sameListeners =
        sameServices && previous.mesh.virtualServices().equals(mesh.virtualServices());
    Outbound built =
        outbound(
            wholeMeshView,
            previous == null ? Map.of() : previous.clustersByInputs,
            previous == null ? Map.of() : previous.endpointsByInputs,
            sameListeners ? previous.wholeMesh.listeners() : null);
    this.wholeMesh = built;
    // Routes read DestinationRules too (a consistent hash puts its key on the routes to the host),
    // and Gateway API HTTPRoutes.
    this.reusableRoutes =
        sameServices
                && previous.mesh.virtualServices().equals(mesh.virtualServices())
                && previous.mesh.destinationRules().equals(mesh.destinationRules())
                && previous.mesh.sidecars().equals(mesh.sidecars())
                && previous.mesh.httpRoutes().equals(mesh.httpRoutes())
            ? previous.routesByKey
            : Map.of();
    this.virtualHosts =
        reusableRoutes.isEmpty() ? new ConcurrentHashMap<>() : previous.virtualHosts;
    this.reusableInbound = previous == null ? Map.of() : previous.inboundByPlan;
  }

  /** The scope of {@code proxy} in this snapshot. */
  ProxyScope scope(ProxyNode proxy) {
    return ProxyScope.of(mesh, proxy, settings, somethingHidden, clients);
  }

  /**
   * The outbound side a proxy of {@code view}'s scope receives.
   *
   * @param listeners the listeners to use, or null to build them
   */
  private Outbound outbound(
      OutboundView view,
      Map<OutboundClusterFactory.ClusterInputs, VersionedResource> previousClusters,
      Map<EndpointInputs, VersionedResource> previousEndpoints,
      Map<String, VersionedResource> listeners) {
    Map<String, VersionedResource> clusterMap = new LinkedHashMap<>();
    Map<String, VersionedResource> endpointMap = new LinkedHashMap<>();
    for (OutboundClusterFactory.Target target : OutboundClusterFactory.targets(view)) {
      String name = target.clusterName();
      List<Workload> selected = target.endpoints(mesh);
      List<Workload> mtlsReady = selected.stream().filter(w -> acceptsMtls(w, target)).toList();
      var clusterInputs = clusterFactory.inputs(target, selected, mtlsReady);
      VersionedResource cluster =
          clustersByInputs.computeIfAbsent(
              clusterInputs,
              inputs -> {
                VersionedResource reused = previousClusters.get(inputs);
                return reused != null
                    ? reused
                    : VersionedResource.of(name, clusterFactory.cluster(inputs));
              });
      clusterMap.put(name, cluster);
      if (ServiceEntryClusters.usesEds(target.service())) {
        VersionedResource assignment =
            endpointsByInputs.computeIfAbsent(
                new EndpointInputs(target, selected, mtlsReady),
                inputs -> {
                  VersionedResource reused = previousEndpoints.get(inputs);
                  return reused != null
                      ? reused
                      : VersionedResource.of(
                          name, EndpointFactory.assignment(target, selected, mtlsReady));
                });
        endpointMap.put(name, assignment);
      }
    }
    clusterMap.putAll(staticClusters);
    return new Outbound(
        listeners != null ? listeners : outboundListeners(view),
        Map.copyOf(clusterMap),
        Map.copyOf(endpointMap));
  }

  private Outbound outbound(OutboundScope proxyScope) {
    // Only tcp and tls matches make listeners depend on the client's labels.
    OutboundScope scope = clients.inL4() ? proxyScope : proxyScope.withoutSourceLabels();
    if (scope.equals(wholeMeshScope)) {
      return wholeMesh;
    }
    return outboundByScope.computeIfAbsent(
        scope, s -> outbound(new OutboundView(mesh, s), Map.of(), Map.of(), null));
  }

  /**
   * Automatic mTLS goes to a workload only when it has a sidecar and its PeerAuthentication does
   * not DISABLE mTLS on that port (its sidecar would then expect plaintext), as in Istio; never to
   * a ServiceEntry host outside the mesh.
   */
  private boolean acceptsMtls(Workload workload, OutboundClusterFactory.Target target) {
    if (!workload.inMesh() || target.service().meshExternal()) {
      return false;
    }
    PeerAuthenticationPolicy policy =
        peerPolicies.computeIfAbsent(
            workload, w -> PeerAuthenticationPolicy.of(mesh, w, settings.rootNamespace()));
    return policy.forPort(workload.targetPort(target.port())) != MtlsMode.DISABLE;
  }

  private static Map<String, VersionedResource> outboundListeners(OutboundView view) {
    Map<String, VersionedResource> listenerMap = new LinkedHashMap<>();
    Listener virtualOutbound =
        OutboundListenerFactory.virtualOutbound(view.scope().unknownDestinationCluster());
    put(listenerMap, virtualOutbound.getName(), virtualOutbound);
    for (Listener listener : OutboundListenerFactory.serviceListeners(view)) {
      put(listenerMap, listener.getName(), listener);
    }
    return Map.copyOf(listenerMap);
  }

  MeshConfig mesh() {
    return mesh;
  }

  /** The outbound side of every proxy that sees the whole mesh. */
  Outbound wholeMesh() {
    return wholeMesh;
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
          Outbound outbound = outbound(s.outbound());
          return new ProxyResources(
              Map.of(
                  ProxyResources.LISTENER,
                  new LayeredMap<>(inbound.listeners(), outbound.listeners()),
                  ProxyResources.ROUTE,
                  routes(s.namespace(), s.outbound()),
                  ProxyResources.CLUSTER,
                  new LayeredMap<>(inbound.clusters(), outbound.clusters()),
                  ProxyResources.ENDPOINT,
                  outbound.endpoints()));
        });
  }

  Map<String, VersionedResource> routes(String proxyNamespace, OutboundScope proxyScope) {
    // Only http matches make routes depend on the client's labels.
    OutboundScope scope = clients.inHttp() ? proxyScope : proxyScope.withoutSourceLabels();
    return routesByKey.computeIfAbsent(
        new RouteKey(proxyNamespace, scope),
        key -> {
          Map<String, VersionedResource> reusable = reusableRoutes.get(key);
          if (reusable != null) {
            return reusable;
          }
          OutboundView view =
              scope.equals(wholeMeshScope)
                  ? OutboundView.wholeMesh(mesh, scope)
                  : new OutboundView(mesh, scope);
          Map<String, VersionedResource> routes = new LinkedHashMap<>();
          for (int port : OutboundRouteFactory.httpPorts(view)) {
            put(
                routes,
                ResourceNames.outboundRoute(port),
                OutboundRouteFactory.routeConfiguration(port, proxyNamespace, view, this::shared));
          }
          return Map.copyOf(routes);
        });
  }

  private VirtualHost shared(VirtualHost host) {
    VirtualHost earlier = virtualHosts.putIfAbsent(host, host);
    return earlier == null ? host : earlier;
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
            boolean http2 = port.protocol().isHttp2();
            Cluster cluster =
                InboundPort.LOOPBACK.equals(port.appAddress())
                        && port.appPort() == port.targetPort()
                        && port.connectionPool().isEmpty()
                    ? StaticClusterFactory.inbound(port.targetPort(), http2)
                    : StaticClusterFactory.inbound(
                        port.targetPort(),
                        port.appAddress(),
                        port.appPort(),
                        http2,
                        port.connectionPool());
            put(own, cluster.getName(), cluster);
          }
          for (var jwks : InboundJwt.remoteKeySets(p)) {
            String name = InboundJwt.jwksCluster(jwks);
            // A mesh service's own cluster serves its key set.
            if (!wholeMesh.clusters().containsKey(name)) {
              put(own, name, JwksClusterFactory.cluster(name, jwks));
            }
          }
          Map<String, VersionedResource> listeners = new LinkedHashMap<>();
          put(listeners, ResourceNames.VIRTUAL_INBOUND, InboundListenerFactory.virtualInbound(p));
          for (Listener bound : InboundListenerFactory.boundListeners(p)) {
            put(listeners, bound.getName(), bound);
          }
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
