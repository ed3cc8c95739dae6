package io.outrigger.controlplane.generate.listener;

import io.outrigger.controlplane.model.AuthorizationPolicyConfig;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.MtlsMode;
import io.outrigger.controlplane.model.RequestAuthenticationConfig;
import io.outrigger.controlplane.model.Service;
import io.outrigger.controlplane.model.ServicePort;
import io.outrigger.controlplane.model.SidecarConfig;
import io.outrigger.controlplane.model.SidecarConfig.IngressListener;
import io.outrigger.controlplane.model.TrafficPolicy;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.sidecar.probes.AppProbe;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a proxy's inbound side depends on: its ports and their mTLS modes, its app probes and
 * the AuthorizationPolicies and RequestAuthentications that select it (mesh, namespace and workload
 * ones, in namespace/name order). Replicas of one workload have equal plans, so their inbound
 * listener and clusters are built once and shared.
 */
public record InboundPlan(
    List<InboundPort> ports,
    MtlsMode defaultMode,
    List<AppProbe> appProbes,
    List<AuthorizationPolicyConfig> authorization,
    List<RequestAuthenticationConfig> authentication) {
  public InboundPlan {
    ports = List.copyOf(ports);
    appProbes = List.copyOf(appProbes);
    authorization = List.copyOf(authorization);
    authentication = List.copyOf(authentication);
  }

  public InboundPlan(List<InboundPort> ports, MtlsMode defaultMode, List<AppProbe> appProbes) {
    this(ports, defaultMode, appProbes, List.of(), List.of());
  }

  /**
   * As Istio builds a proxy's inbound side: the ingress listeners of the Sidecar applying to the
   * workload when it has some, else the ports of every service selecting the workload, by target
   * port (the first service, by name, decides the protocol); the Sidecar's inbound connection pool
   * on each.
   */
  public static InboundPlan of(
      MeshConfig mesh, Workload workload, String rootNamespace, Optional<SidecarConfig> sidecar) {
    PeerAuthenticationPolicy policy = PeerAuthenticationPolicy.of(mesh, workload, rootNamespace);
    Map<Integer, InboundPort> byTarget = new TreeMap<>();
    if (sidecar.isPresent() && !sidecar.get().ingress().isEmpty()) {
      for (IngressListener ingress : sidecar.get().ingress()) {
        byTarget.put(ingress.port(), ingressPort(ingress, workload, policy, sidecar.get()));
      }
    } else {
      for (Service service : mesh.servicesOf(workload)) {
        for (ServicePort port : service.ports()) {
          int target = workload.targetPort(port);
          Optional<TrafficPolicy.ConnectionPool> pool =
              sidecar.flatMap(s -> s.inboundConnectionPool(target));
          byTarget.putIfAbsent(
              target,
              new InboundPort(
                  target,
                  port.protocol(),
                  policy.forPort(target),
                  InboundPort.LOOPBACK,
                  target,
                  pool,
                  null));
        }
      }
    }
    // Every proxy's scope asks this on every push: no stream at all for a mesh without policies.
    List<AuthorizationPolicyConfig> authorization =
        mesh.authorizationPolicies().isEmpty()
            ? List.of()
            : mesh.authorizationPolicies().stream()
                .filter(p -> p.appliesTo(workload, rootNamespace))
                .toList();
    List<RequestAuthenticationConfig> authentication =
        mesh.requestAuthentications().isEmpty()
            ? List.of()
            : mesh.requestAuthentications().stream()
                .filter(p -> p.appliesTo(workload, rootNamespace))
                .toList();
    return new InboundPlan(
        List.copyOf(byTarget.values()),
        policy.workloadMode(),
        workload.appProbes(),
        authorization,
        authentication);
  }

  /** Istio's defaultEndpoint: 127.0.0.1, the workload's address (0.0.0.0), else passthrough. */
  private static InboundPort ingressPort(
      IngressListener ingress,
      Workload workload,
      PeerAuthenticationPolicy policy,
      SidecarConfig sidecar) {
    String address =
        switch (ingress.endpoint().kind()) {
          case LOOPBACK -> InboundPort.LOOPBACK;
          case WORKLOAD_ADDRESS -> workload.address();
          case ORIGINAL_DESTINATION -> null;
        };
    int appPort = address == null ? ingress.port() : ingress.endpoint().port();
    return new InboundPort(
        ingress.port(),
        ingress.protocol(),
        policy.forPort(ingress.port()),
        address,
        appPort,
        sidecar.inboundConnectionPool(ingress.port()),
        ingress.boundAddress());
  }
}
