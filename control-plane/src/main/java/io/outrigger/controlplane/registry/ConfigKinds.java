package io.outrigger.controlplane.registry;

import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.istio.api.networking.v1.WorkloadEntry;
import io.fabric8.istio.api.security.v1.AuthorizationPolicy;
import io.fabric8.istio.api.security.v1.PeerAuthentication;
import io.fabric8.istio.api.security.v1.RequestAuthentication;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.outrigger.controlplane.model.AuthorizationPolicyConfig;
import io.outrigger.controlplane.model.DestinationRuleConfig;
import io.outrigger.controlplane.model.EndpointSliceConfig;
import io.outrigger.controlplane.model.HttpRouteConfig;
import io.outrigger.controlplane.model.NamespaceConfig;
import io.outrigger.controlplane.model.PeerAuthenticationConfig;
import io.outrigger.controlplane.model.RequestAuthenticationConfig;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.VirtualServiceConfig;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.registry.convert.AuthorizationPolicyConverter;
import io.outrigger.controlplane.registry.convert.DestinationRuleConverter;
import io.outrigger.controlplane.registry.convert.EndpointSliceConverter;
import io.outrigger.controlplane.registry.convert.HttpRouteConverter;
import io.outrigger.controlplane.registry.convert.PeerAuthenticationConverter;
import io.outrigger.controlplane.registry.convert.PodConverter;
import io.outrigger.controlplane.registry.convert.RequestAuthenticationConverter;
import io.outrigger.controlplane.registry.convert.ServiceConverter;
import io.outrigger.controlplane.registry.convert.VirtualServiceConverter;
import io.outrigger.controlplane.registry.convert.WorkloadEntryConverter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one list of kinds the mesh reads. Registries read exactly these (a YAML file's other kinds
 * are skipped, the Kubernetes registry watches these), and the assembler converts them with the
 * converter named here; adding a kind is adding a line.
 */
public final class ConfigKinds {
  private static final List<String> NETWORKING_VERSIONS = List.of("v1", "v1beta1", "v1alpha3");
  private static final List<String> SECURITY_VERSIONS = List.of("v1", "v1beta1");

  public static final ConfigKind<io.fabric8.kubernetes.api.model.Service> SERVICE =
      new ConfigKind<>(
          "Service",
          "",
          List.of("v1"),
          io.fabric8.kubernetes.api.model.Service.class,
          Service.class,
          false,
          (s, ns, mesh) -> ServiceConverter.convert(s, ns));

  /** Cluster-scoped: its objects' key has an empty namespace. */
  public static final ConfigKind<Namespace> NAMESPACE =
      new ConfigKind<>(
          "Namespace",
          "",
          List.of("v1"),
          Namespace.class,
          NamespaceConfig.class,
          false,
          (n, ns, mesh) ->
              new NamespaceConfig(n.getMetadata().getName(), labels(n.getMetadata().getLabels())));

  /** A pod without an IP yet converts to nothing. */
  public static final ConfigKind<Pod> POD =
      new ConfigKind<>(
          "Pod",
          "",
          List.of("v1"),
          Pod.class,
          Workload.class,
          false,
          (p, ns, mesh) -> PodConverter.convert(p, ns));

  /** The endpoints of a Service read from the Kubernetes API (see {@link ConfigObject.Origin}). */
  public static final ConfigKind<EndpointSlice> ENDPOINT_SLICE =
      new ConfigKind<>(
          "EndpointSlice",
          "discovery.k8s.io",
          List.of("v1"),
          EndpointSlice.class,
          EndpointSliceConfig.class,
          false,
          (e, ns, mesh) -> EndpointSliceConverter.convert(e, ns));

  public static final ConfigKind<WorkloadEntry> WORKLOAD_ENTRY =
      new ConfigKind<>(
          "WorkloadEntry",
          "networking.istio.io",
          NETWORKING_VERSIONS,
          WorkloadEntry.class,
          Workload.class,
          false,
          (w, ns, mesh) -> WorkloadEntryConverter.convert(w, ns));
  public static final ConfigKind<DestinationRule> DESTINATION_RULE =
      new ConfigKind<>(
          "DestinationRule",
          "networking.istio.io",
          NETWORKING_VERSIONS,
          DestinationRule.class,
          DestinationRuleConfig.class,
          false,
          (d, ns, mesh) -> DestinationRuleConverter.convert(d, ns));
  public static final ConfigKind<PeerAuthentication> PEER_AUTHENTICATION =
      new ConfigKind<>(
          "PeerAuthentication",
          "security.istio.io",
          SECURITY_VERSIONS,
          PeerAuthentication.class,
          PeerAuthenticationConfig.class,
          false,
          (p, ns, mesh) -> PeerAuthenticationConverter.convert(p, ns));
  public static final ConfigKind<AuthorizationPolicy> AUTHORIZATION_POLICY =
      new ConfigKind<>(
          "AuthorizationPolicy",
          "security.istio.io",
          SECURITY_VERSIONS,
          AuthorizationPolicy.class,
          AuthorizationPolicyConfig.class,
          false,
          (a, ns, mesh) -> AuthorizationPolicyConverter.convert(a, ns));
  public static final ConfigKind<RequestAuthentication> REQUEST_AUTHENTICATION =
      new ConfigKind<>(
          "RequestAuthentication",
          "security.istio.io",
          SECURITY_VERSIONS,
          RequestAuthentication.class,
          RequestAuthenticationConfig.class,
          false,
          (r, ns, mesh) -> RequestAuthenticationConverter.convert(r, ns));

  /**
   * Checked against the services and DestinationRules in force; gateway-only ones convert to
   * nothing.
   */
  public static final ConfigKind<VirtualService> VIRTUAL_SERVICE =
      new ConfigKind<>(
          "VirtualService",
          "networking.istio.io",
          NETWORKING_VERSIONS,
          VirtualService.class,
          VirtualServiceConfig.class,
          true,
          (v, ns, mesh) -> VirtualServiceConverter.convert(v, ns, mesh).orElse(null));

  /**
   * Gateway API HTTPRoute bound to Services (GAMMA); checked against the services in force, its
   * status computed from them. Routes for Gateways only convert to nothing.
   */
  public static final ConfigKind<HTTPRoute> HTTP_ROUTE =
      new ConfigKind<>(
          "HTTPRoute",
          "gateway.networking.k8s.io",
          List.of("v1", "v1beta1"),
          HTTPRoute.class,
          HttpRouteConfig.class,
          true,
          HttpRouteConverter::convert);

  public static final List<ConfigKind<?>> ALL =
      List.of(
          NAMESPACE,
          SERVICE,
          POD,
          ENDPOINT_SLICE,
          WORKLOAD_ENTRY,
          DESTINATION_RULE,
          PEER_AUTHENTICATION,
          AUTHORIZATION_POLICY,
          REQUEST_AUTHENTICATION,
          VIRTUAL_SERVICE,
          HTTP_ROUTE);

  private ConfigKinds() {}

  /**
   * Labels as given; a label without a value ({@code key:} or {@code key: null}) is refused by
   * name.
   */
  private static Map<String, String> labels(Map<String, String> labels) {
    if (labels == null) {
      return Map.of();
    }
    labels.forEach(
        (k, v) -> {
          if (v == null) {
            throw new IllegalArgumentException("metadata.labels." + k + " has no value");
          }
        });
    return labels;
  }

  /** The kind named {@code kind}, whatever its version. */
  public static Optional<ConfigKind<?>> named(String kind) {
    return ALL.stream().filter(k -> k.kind().equals(kind)).findFirst();
  }

  /** The kind an object written as {@code apiVersion}/{@code kind} is, if the mesh reads it. */
  public static Optional<ConfigKind<?>> of(String apiVersion, String kind) {
    return named(kind).filter(k -> k.accepts(apiVersion));
  }
}
