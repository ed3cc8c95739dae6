package io.outrigger.controlplane.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * An immutable snapshot of the mesh: services, workloads and the Istio config in force, a version
 * that only grows, and the errors of the objects that were rejected (their last good version, if
 * any, is in force). Lists are sorted by namespace/name so that generated config does not depend on
 * file order.
 *
 * <p>A service's endpoints are the serving workloads its selector matches, or, for a service whose
 * endpoints come from EndpointSlices ({@link Service#endpointsFromSlices()}), the ready endpoints
 * of its slices, each carrying the labels and identity of the pod it points at. Which services a
 * workload backs (its inbound side) is always the selector's answer, ready or not: a sidecar needs
 * its inbound listeners before its pod can become ready.
 */
public final class MeshConfig {
  private final long version;
  private final List<Service> services;
  private final List<Workload> workloads;
  private final List<VirtualServiceConfig> virtualServices;
  private final List<DestinationRuleConfig> destinationRules;
  private final List<PeerAuthenticationConfig> peerAuthentications;
  private final List<AuthorizationPolicyConfig> authorizationPolicies;
  private final List<RequestAuthenticationConfig> requestAuthentications;
  private final List<EndpointSliceConfig> endpointSlices;
  private final List<HttpRouteConfig> httpRoutes;
  private final List<NamespaceConfig> namespaces;
  private final List<ConfigError> errors;
  private final Map<String, NamespaceConfig> namespacesByName;
  private final Map<String, Service> servicesByHost;
  private final Map<String, List<Workload>> workloadsByHost;
  private final Map<String, DestinationRuleConfig> destinationRulesByHost;
  private final Map<String, VirtualServiceConfig> virtualServicesByHost;
  private final Map<String, Workload> workloadsByKey;

  /**
   * The inverse of {@link #workloadsByHost}, by workload instance: every proxy's inbound plan asks
   * it.
   */
  private final Map<Workload, List<Service>> servicesByWorkload;

  private MeshConfig(Builder b) {
    this.version = b.version;
    this.services =
        sorted(b.services, Comparator.comparing(Service::namespace).thenComparing(Service::name));
    this.workloads =
        sorted(
            b.workloads, Comparator.comparing(Workload::namespace).thenComparing(Workload::name));
    this.virtualServices =
        sorted(
            b.virtualServices,
            Comparator.comparing(VirtualServiceConfig::namespace)
                .thenComparing(VirtualServiceConfig::name));
    this.destinationRules =
        sorted(
            b.destinationRules,
            Comparator.comparing(DestinationRuleConfig::namespace)
                .thenComparing(DestinationRuleConfig::name));
    this.peerAuthentications =
        sorted(
            b.peerAuthentications,
            Comparator.comparing(PeerAuthenticationConfig::namespace)
                .thenComparing(PeerAuthenticationConfig::name));
    this.authorizationPolicies =
        sorted(
            b.authorizationPolicies,
            Comparator.comparing(AuthorizationPolicyConfig::namespace)
                .thenComparing(AuthorizationPolicyConfig::name));
    this.requestAuthentications =
        sorted(
            b.requestAuthentications,
            Comparator.comparing(RequestAuthenticationConfig::namespace)
                .thenComparing(RequestAuthenticationConfig::name));
    this.endpointSlices =
        sorted(
            b.endpointSlices,
            Comparator.comparing(EndpointSliceConfig::namespace)
                .thenComparing(EndpointSliceConfig::name));
    this.httpRoutes =
        sorted(
            b.httpRoutes,
            Comparator.comparing(HttpRouteConfig::namespace).thenComparing(HttpRouteConfig::name));
    this.namespaces = sorted(b.namespaces, Comparator.comparing(NamespaceConfig::name));
    this.namespacesByName = firstPerKey(namespaces, NamespaceConfig::name);
    this.errors = List.copyOf(b.errors);
    this.servicesByHost = indexServices(services);
    this.workloadsByKey = firstPerKey(workloads, w -> w.namespace() + "/" + w.name());
    WorkloadSelection selection = new WorkloadSelection(workloads);
    this.workloadsByHost = indexEndpoints(services, selection, endpointSlices, workloadsByKey);
    this.destinationRulesByHost = firstPerKey(destinationRules, DestinationRuleConfig::host);
    this.virtualServicesByHost = indexVirtualServices(virtualServices);
    this.servicesByWorkload = indexServicesByWorkload(services, workloads, selection);
  }

  public static Builder builder(long version) {
    return new Builder(version);
  }

  public static MeshConfig empty() {
    return builder(0).build();
  }

  public long version() {
    return version;
  }

  public List<Service> services() {
    return services;
  }

  public List<Workload> workloads() {
    return workloads;
  }

  public List<VirtualServiceConfig> virtualServices() {
    return virtualServices;
  }

  public List<DestinationRuleConfig> destinationRules() {
    return destinationRules;
  }

  public List<PeerAuthenticationConfig> peerAuthentications() {
    return peerAuthentications;
  }

  public List<AuthorizationPolicyConfig> authorizationPolicies() {
    return authorizationPolicies;
  }

  public List<RequestAuthenticationConfig> requestAuthentications() {
    return requestAuthentications;
  }

  public List<EndpointSliceConfig> endpointSlices() {
    return endpointSlices;
  }

  /** Gateway API HTTPRoutes bound to Services, in namespace/name order. */
  public List<HttpRouteConfig> httpRoutes() {
    return httpRoutes;
  }

  public List<NamespaceConfig> namespaces() {
    return namespaces;
  }

  /**
   * A namespace's labels; empty for a namespace the registry does not know (the file registry's,
   * often).
   */
  public Map<String, String> namespaceLabels(String namespace) {
    NamespaceConfig known = namespacesByName.get(namespace);
    return known == null ? Map.of() : known.labels();
  }

  public List<ConfigError> errors() {
    return errors;
  }

  public Optional<Service> service(String host) {
    return Optional.ofNullable(servicesByHost.get(host));
  }

  /** The endpoints of a service (see the class comment), in namespace/name order. */
  public List<Workload> workloadsOf(String host) {
    return workloadsByHost.getOrDefault(host, List.of());
  }

  /**
   * Istio applies the oldest DestinationRule per host; we take the first in namespace/name order.
   */
  public Optional<DestinationRuleConfig> destinationRule(String host) {
    return Optional.ofNullable(destinationRulesByHost.get(host));
  }

  public Optional<VirtualServiceConfig> virtualService(String host) {
    return Optional.ofNullable(virtualServicesByHost.get(host));
  }

  /**
   * The services a workload backs (the ones whose selector matches it), in namespace/name order.
   */
  public List<Service> servicesOf(Workload workload) {
    List<Service> indexed = servicesByWorkload.get(workload);
    // A workload of this snapshot is answered from the index; any other one is matched the long
    // way.
    return indexed != null ? indexed : services.stream().filter(s -> s.selects(workload)).toList();
  }

  public Optional<Workload> workload(String namespace, String name) {
    return Optional.ofNullable(workloadsByKey.get(namespace + "/" + name));
  }

  private static <T> List<T> sorted(List<T> items, Comparator<T> order) {
    List<T> copy = new ArrayList<>(items);
    copy.sort(order);
    return List.copyOf(copy);
  }

  private static Map<String, Service> indexServices(List<Service> services) {
    Map<String, Service> byHost = new LinkedHashMap<>();
    services.forEach(s -> byHost.put(s.hostname(), s));
    return Map.copyOf(byHost);
  }

  private static Map<String, List<Workload>> indexEndpoints(
      List<Service> services,
      WorkloadSelection selection,
      List<EndpointSliceConfig> slices,
      Map<String, Workload> workloadsByKey) {
    Map<String, List<EndpointSliceConfig>> slicesByService = new HashMap<>();
    slices.forEach(
        s ->
            slicesByService
                .computeIfAbsent(s.namespace() + "/" + s.service(), k -> new ArrayList<>())
                .add(s));
    Map<String, List<Workload>> byHost = new LinkedHashMap<>();
    for (Service service : services) {
      byHost.put(
          service.hostname(),
          service.endpointsFromSlices()
              ? sliceEndpoints(
                  service,
                  slicesByService.getOrDefault(
                      service.namespace() + "/" + service.name(), List.of()),
                  workloadsByKey)
              : selection.selectedBy(service).stream().filter(Workload::serving).toList());
    }
    return Map.copyOf(byHost);
  }

  /**
   * One endpoint per address and ports (slices of one service may overlap while the controller
   * moves endpoints), as the pod it points at. An endpoint naming a pod the registry does not hold
   * is left out: its identity is unknown, and a deleted pod leaves before the controller updates
   * its slice. An endpoint naming no pod (a slice written by hand) is one without a sidecar or
   * labels.
   */
  private static List<Workload> sliceEndpoints(
      Service service, List<EndpointSliceConfig> slices, Map<String, Workload> workloadsByKey) {
    Map<String, Workload> byAddress = new LinkedHashMap<>();
    for (EndpointSliceConfig slice : slices) {
      for (EndpointSliceConfig.Endpoint endpoint : slice.endpoints()) {
        Workload workload;
        if (endpoint.pod() == null) {
          workload =
              new Workload(
                  service.namespace(),
                  slice.name() + "/" + endpoint.address(),
                  endpoint.address(),
                  Map.of(),
                  null,
                  slice.ports());
        } else {
          Workload pod = workloadsByKey.get(service.namespace() + "/" + endpoint.pod());
          if (pod == null) {
            continue;
          }
          workload = pod.asEndpoint(endpoint.address(), slice.ports());
        }
        byAddress.putIfAbsent(endpoint.address() + " " + slice.ports(), workload);
      }
    }
    List<Workload> endpoints = new ArrayList<>(byAddress.values());
    endpoints.sort(
        Comparator.comparing(Workload::namespace)
            .thenComparing(Workload::name)
            .thenComparing(Workload::address));
    return List.copyOf(endpoints);
  }

  private static Map<Workload, List<Service>> indexServicesByWorkload(
      List<Service> services, List<Workload> workloads, WorkloadSelection selection) {
    Map<Workload, List<Service>> byWorkload = new IdentityHashMap<>();
    workloads.forEach(w -> byWorkload.put(w, new ArrayList<>()));
    for (Service service : services) {
      for (Workload w : selection.selectedBy(service)) {
        byWorkload.get(w).add(service);
      }
    }
    byWorkload.replaceAll((w, list) -> List.copyOf(list));
    return byWorkload;
  }

  private static Map<String, VirtualServiceConfig> indexVirtualServices(
      List<VirtualServiceConfig> all) {
    Map<String, VirtualServiceConfig> byHost = new LinkedHashMap<>();
    for (VirtualServiceConfig vs : all) {
      vs.hosts().forEach(h -> byHost.putIfAbsent(h, vs));
    }
    return Map.copyOf(byHost);
  }

  private static <T> Map<String, T> firstPerKey(List<T> all, Function<T, String> key) {
    Map<String, T> byKey = new LinkedHashMap<>();
    all.forEach(item -> byKey.putIfAbsent(key.apply(item), item));
    return Map.copyOf(byKey);
  }

  @Override
  public String toString() {
    return "MeshConfig{version="
        + version
        + ", services="
        + services.size()
        + ", workloads="
        + workloads.size()
        + ", virtualServices="
        + virtualServices.size()
        + ", destinationRules="
        + destinationRules.size()
        + ", peerAuthentications="
        + peerAuthentications.size()
        + ", authorizationPolicies="
        + authorizationPolicies.size()
        + ", requestAuthentications="
        + requestAuthentications.size()
        + ", endpointSlices="
        + endpointSlices.size()
        + ", httpRoutes="
        + httpRoutes.size()
        + ", namespaces="
        + namespaces.size()
        + ", errors="
        + errors.size()
        + "}";
  }

  /** Collects the parts of a snapshot; {@link #build()} freezes them. */
  public static final class Builder {
    private final long version;
    private final List<Service> services = new ArrayList<>();
    private final List<Workload> workloads = new ArrayList<>();
    private final List<VirtualServiceConfig> virtualServices = new ArrayList<>();
    private final List<DestinationRuleConfig> destinationRules = new ArrayList<>();
    private final List<PeerAuthenticationConfig> peerAuthentications = new ArrayList<>();
    private final List<AuthorizationPolicyConfig> authorizationPolicies = new ArrayList<>();
    private final List<RequestAuthenticationConfig> requestAuthentications = new ArrayList<>();
    private final List<EndpointSliceConfig> endpointSlices = new ArrayList<>();
    private final List<NamespaceConfig> namespaces = new ArrayList<>();
    private final List<HttpRouteConfig> httpRoutes = new ArrayList<>();
    private final List<ConfigError> errors = new ArrayList<>();

    private Builder(long version) {
      this.version = version;
    }

    public Builder service(Service s) {
      services.add(Objects.requireNonNull(s));
      return this;
    }

    public Builder workload(Workload w) {
      workloads.add(Objects.requireNonNull(w));
      return this;
    }

    public Builder virtualService(VirtualServiceConfig v) {
      virtualServices.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder destinationRule(DestinationRuleConfig d) {
      destinationRules.add(Objects.requireNonNull(d));
      return this;
    }

    public Builder peerAuthentication(PeerAuthenticationConfig p) {
      peerAuthentications.add(Objects.requireNonNull(p));
      return this;
    }

    public Builder authorizationPolicy(AuthorizationPolicyConfig a) {
      authorizationPolicies.add(Objects.requireNonNull(a));
      return this;
    }

    public Builder requestAuthentication(RequestAuthenticationConfig r) {
      requestAuthentications.add(Objects.requireNonNull(r));
      return this;
    }

    public Builder endpointSlice(EndpointSliceConfig s) {
      endpointSlices.add(Objects.requireNonNull(s));
      return this;
    }

    public Builder httpRoute(HttpRouteConfig r) {
      httpRoutes.add(Objects.requireNonNull(r));
      return this;
    }

    public Builder namespace(NamespaceConfig n) {
      namespaces.add(Objects.requireNonNull(n));
      return this;
    }

    public Builder error(ConfigError e) {
      errors.add(Objects.requireNonNull(e));
      return this;
    }

    public MeshConfig build() {
      return new MeshConfig(this);
    }
  }
}
